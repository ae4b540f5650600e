"""What the manager works with: the objects it is given, its options, and a started child.

The manager does no I/O: it starts children through an `IO`, signals through a `Killer`, and
speaks through a `UI`. Unit tests give it fakes of these (tests/helpers/fakes.py); the
supervisor gives it the event loop and the real killer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple, Protocol

from mdrun.model import Answer, Block, Plan, PlannedBlock
from mdrun.run.handoff import ShellState
from mdrun.run.manifest import BlockRecord
from mdrun.run.process import ChildSpec


class ChildLike(Protocol):
    """What the manager needs from a started child."""

    @property
    def pid(self) -> int: ...
    def signal(self, sig: int) -> None: ...
    def shell_state(self, previous: ShellState) -> ShellState: ...
    def skipped(self) -> bool: ...


class IO(Protocol):
    """Starting children and watching for readiness."""

    def spawn(self, spec: ChildSpec) -> ChildLike: ...
    def watch_ready(
        self, name: str, ready: str, timeout: float, done: Callable[[], None]
    ) -> None: ...


class Killer(Protocol):
    """Everything the run started, including descendants that left their process group."""

    def signal_groups(self, sig: int) -> None: ...
    def signal_all(self, sig: int) -> None: ...
    def alive(self) -> bool: ...


class UI(Protocol):
    """Where the manager's messages go."""

    def message(self, text: str) -> None: ...
    def error(self, text: str) -> None: ...


class Settler(Protocol):
    """The questions still open when the run starts (`choices.lazy.RunSettling`): the manager
    asks it before each block whether something must be settled first, and gets the plan again
    with the answers (prompting, or running a dynamic question's command, in the run's shell
    state)."""

    @property
    def answers(self) -> Mapping[str, Answer]: ...
    def needs(self, block: Block) -> bool: ...
    def settle(self, block: Block, env: Mapping[str, str]) -> Plan: ...


class Policy(NamedTuple):
    """Run-wide options the manager needs."""

    grace: float = 5.0
    """Seconds between SIGTERM and SIGKILL."""
    pty: bool = False
    """Every block under a pseudo-terminal."""
    keep_going: bool = False
    """Go on after a failing sync block (the run still exits 1)."""
    restart_backoff: float = 0.5
    """First restart delay; doubled per restart, capped at 30 s."""


class Running:
    """A child the manager started and has not seen exit; updated as its timeout runs out."""

    __slots__ = ("child", "deadline", "kill_at", "planned", "record", "timed_out")

    def __init__(
        self,
        planned: PlannedBlock,
        child: ChildLike,
        record: BlockRecord,
        deadline: float | None = None,
    ) -> None:
        self.planned = planned
        """The block, its verdict and planned environment."""
        self.child = child
        """The started process."""
        self.record = record
        """Its row in run.json and the summary, updated as it runs."""
        self.deadline = deadline
        """When `timeout=` expires (monotonic clock), None without a timeout."""
        self.kill_at: float | None = None
        """When SIGKILL follows the SIGTERM already sent for a timeout."""
        self.timed_out = False
        """Whether its timeout expired (it ends as `timeout`, not `failed`)."""


def initial_shell(plan: Plan, environ: dict[str, str], cwd: str) -> ShellState:
    """The process environment with the plan's known values (`-e`, env files) on top."""
    env = dict(environ)
    env.update({k: v.value for k, v in plan.initial_env.items() if v.value is not None})
    return ShellState(env, cwd)
