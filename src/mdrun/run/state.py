"""The manager's state and its ending: stop async blocks, run cleanups, sweep what is left.

Split from `manager.py` (which decides what to start) because stopping has its own small state
machine: main → stopping → cleanup → sweeping → done. In `stopping` and `sweeping` everything
the run started gets SIGTERM, then SIGKILL after the grace period, and the phase ends only when
the killer finds nothing alive: descendants that left their group are waited for too.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Literal, NamedTuple, Protocol

from mdrun.model import Plan, PlannedBlock, format_origin
from mdrun.run.blockguard import skip_reason
from mdrun.run.handoff import ShellState
from mdrun.run.manifest import BlockRecord
from mdrun.run.process import ChildSpec

Phase = Literal["main", "stopping", "cleanup", "sweeping", "done"]
_GIVE_UP_AFTER_KILL = 5.0
_POLL_WHILE_STOPPING = 0.05


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


class RunState:
    """Fields shared by the manager's halves, and the stop/cleanup/sweep sequence."""

    def __init__(
        self,
        plan: Plan,
        policy: Policy,
        io: IO,
        killer: Killer,
        ui: UI,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.items = list(plan.blocks)
        self.policy, self.io, self.killer, self.ui, self.clock = policy, io, killer, ui, clock
        self.changed = on_change
        self.shell = initial_shell(plan, dict(os.environ), os.getcwd())
        self.start_cwd = self.shell.cwd
        """Where mdrun started: cleanup blocks run there when their directory is gone."""
        self.records = {
            p.block.name: BlockRecord(
                p.block.name, _origin(p), p.block.mode, f"{p.verdict.kind}: {p.verdict.reason}"
            )
            for p in plan.blocks
        }
        self.phase: Phase = "main"
        self.pos = 0
        self.sync: Running | None = None
        self.asyncs: dict[str, Running] = {}
        self.restarts: dict[str, tuple[float, PlannedBlock]] = {}
        self.not_ready: dict[str, float] = {}
        self.ready_met: set[str] = set()
        self.cleanups: list[PlannedBlock] = []
        self.exit_code = 0
        self.failures = 0
        self.interrupts = 0
        self.cleanup_interrupts = 0
        """Stop signals received while the current cleanup block runs."""
        self.kill_at = 0.0
        self.killed = False
        self.turns = 0

    def take_turn(self, record: BlockRecord) -> None:
        """Note that the run reached `record`'s block now (the summary lists blocks so)."""
        self.turns += 1
        record.turn = self.turns

    def spawn_block(self, planned: PlannedBlock, keep_state: bool) -> Running | None:
        """Start a block (defined by the manager)."""
        raise NotImplementedError

    @property
    def done(self) -> bool:
        """The run is over: everything stopped, cleanups run, nothing left alive."""
        return self.phase == "done"

    def result(self) -> int:
        """The exit code of the run."""
        return self.exit_code or (1 if self.failures else 0)

    def running(self) -> list[Running]:
        """Children started and not yet seen exiting."""
        return ([self.sync] if self.sync else []) + list(self.asyncs.values())

    def finish(self, running: Running, code: int) -> None:
        """Record how a child ended."""
        record = running.record
        record.end = time.time()
        if code < 0:
            record.signal, record.exit_code = signal.Signals(-code).name, None
        else:
            record.exit_code = code
        if record.status in ("running", "restarting"):
            stopping = self.phase in ("stopping", "sweeping")
            record.status = "ok" if code == 0 else "stopped" if stopping else "failed"
            if code == 0 and running.child.skipped():
                record.status = "skipped"
                block = running.planned.block
                self.ui.message(f"skipped {block.name}: {skip_reason(block)}")

    def begin_stop(self) -> None:
        """The main part is over: stop every async block, then run the cleanups."""
        if self.phase != "main":
            return
        self.phase = "stopping"
        self.restarts.clear()
        self.not_ready.clear()
        for planned in self.items[self.pos :]:
            if self.records[planned.block.name].status == "pending":
                self.records[planned.block.name].status = "not-run"
        self._terminate_everything()

    def _terminate_everything(self) -> None:
        # Before the cleanups only the blocks' own groups are stopped: a daemon that a sync block
        # started on purpose (`ray start`) is the cleanup's to stop, and the sweep's after it.
        self._signal(signal.SIGTERM)
        self.kill_at = self.clock() + self.policy.grace
        self.killed = False
        self.check_stopped()

    def check_stopped(self) -> None:
        """Leave `stopping`/`sweeping` once no child runs and nothing of the run is alive."""
        if self.phase not in ("stopping", "sweeping") or self.running():
            return
        if self.phase == "stopping":
            self.phase = "cleanup"
            self.run_next_cleanup()
            return
        gave_up = self.killed and self.clock() >= self.kill_at + _GIVE_UP_AFTER_KILL
        if self.killer.alive() and not gave_up:
            return
        if gave_up:
            self.ui.error("some processes of the run could not be stopped")
        self.phase = "done"

    def tick_stopping(self, now: float) -> None:
        """SIGKILL once the grace period is over."""
        if self.phase in ("stopping", "sweeping") and not self.killed and now >= self.kill_at:
            self.hurry()
        self.check_stopped()

    def hurry(self) -> None:
        """Kill now (grace over, or a second signal); a cleanup block is the manager's to stop."""
        if self.phase == "cleanup":
            return
        self._signal(signal.SIGKILL)
        self.killed = True
        self.kill_at = min(self.kill_at, self.clock())

    def _signal(self, sig: int) -> None:
        if self.phase == "sweeping":
            self.killer.signal_all(sig)
        else:
            self.killer.signal_groups(sig)

    def run_next_cleanup(self) -> None:
        """Start the next registered `finally=true` block, or sweep when none is left."""
        # Last registered first: what was set up last is taken down first.
        while self.cleanups:
            planned = self.cleanups.pop()
            self.cleanup_interrupts = 0
            self.take_turn(self.records[planned.block.name])
            self.ui.message(f"cleanup: {planned.block.name}")
            self.sync = self.spawn_block(planned, keep_state=True)
            if self.sync is not None:
                return
        self.phase = "sweeping"
        self._terminate_everything()

    def next_deadline(self) -> float | None:
        """The earliest time `on_tick` has something to do."""
        times = [t for r in self.running() for t in (r.deadline, r.kill_at) if t is not None]
        times += [due for due, _ in self.restarts.values()]
        times += list(self.not_ready.values())
        if self.phase in ("stopping", "sweeping"):
            times.append(self.clock() + _POLL_WHILE_STOPPING)
        return min(times, default=None)


def _origin(planned: PlannedBlock) -> str:
    return format_origin(planned.block.origin)
