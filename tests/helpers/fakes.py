"""Fakes for the Manager's injected collaborators: scripted histories without processes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mdrun.run.handoff import ShellState
from mdrun.run.process import ChildSpec


@dataclass
class FakeChild:
    """A child that records the signals sent to its group."""

    pid: int
    spec: ChildSpec
    signals: list[int] = field(default_factory=list)
    state: ShellState | None = None
    """What `shell_state` returns (None: the previous state)."""

    def signal(self, sig: int) -> None:
        self.signals.append(sig)

    def shell_state(self, previous: ShellState) -> ShellState:
        return self.state or previous

    def skipped(self) -> bool:
        return False


class FakeIO:
    """Records spawns; `fail` names blocks whose start raises OSError."""

    def __init__(self) -> None:
        self.children: list[FakeChild] = []
        self.ready: dict[str, Callable[[], None]] = {}
        self.fail: set[str] = set()
        self.missing_dirs: set[str] = set()
        """Working directories that do not exist: a spawn there fails as Popen's does."""

    def spawn(self, spec: ChildSpec) -> FakeChild:
        if spec.name in self.fail or spec.cwd in self.missing_dirs:
            raise FileNotFoundError(2, "No such file or directory", spec.cwd)
        child = FakeChild(1000 + len(self.children), spec)
        self.children.append(child)
        return child

    def watch_ready(self, name: str, ready: str, timeout: float, done: Callable[[], None]) -> None:
        self.ready[name] = done

    def started(self) -> list[str]:
        return [c.spec.name for c in self.children]

    def last(self, name: str) -> FakeChild:
        return [c for c in self.children if c.spec.name == name][-1]


class FakeKiller:
    """Processes of the run outside the children the manager knows: `stray` of them."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.stray = 0

    def signal_groups(self, sig: int) -> None:
        self.sent.append(sig)

    def signal_all(self, sig: int) -> None:
        self.sent.append(sig)

    def alive(self) -> bool:
        return self.stray > 0


class FakeUI:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.errors: list[str] = []

    def message(self, text: str) -> None:
        self.messages.append(text)

    def error(self, text: str) -> None:
        self.errors.append(text)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now
