"""The manager's state and its ending: stop async blocks, run cleanups, sweep what is left.

Split from `manager.py` (which decides what to start) because stopping has its own small state
machine: main → stopping → cleanup → sweeping → done. In `stopping` and `sweeping` everything
the run started gets SIGTERM, then SIGKILL after the grace period, and the phase ends only when
the killer finds nothing alive: descendants that left their group are waited for too. Stop
signals to mdrun are handled here as well: what they do depends on the phase.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Literal

from mdrun.model import Plan, PlannedBlock, format_origin
from mdrun.run.blockguard import skip_reason
from mdrun.run.contracts import IO, UI, Killer, Policy, Running, Settler, initial_shell
from mdrun.run.guidebooks import GuidebookChecks
from mdrun.run.manifest import BlockRecord

Phase = Literal["main", "stopping", "cleanup", "sweeping", "done"]
_GIVE_UP_AFTER_KILL = 5.0
_POLL_WHILE_STOPPING = 0.05


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
        settler: Settler | None = None,
        guidebooks: GuidebookChecks | None = None,
    ) -> None:
        self.items = list(plan.blocks)
        self.guidebooks = guidebooks or GuidebookChecks()
        """The guidebooks' `validate:` results, each tested once per import."""
        self.settler = settler
        """Questions still open: settled as the run reaches the blocks they govern."""
        self.answers = dict(plan.answers)
        """The answers so far (run.json's `answers`)."""
        self.policy, self.io, self.killer, self.ui, self.clock = policy, io, killer, ui, clock
        self.changed = on_change
        self.shell = initial_shell(plan, dict(os.environ), os.getcwd())
        self.start_cwd = self.shell.cwd
        """Where mdrun started: cleanup blocks run there when their directory is gone."""
        self.records = {p.block.name: record_for(p) for p in plan.blocks}
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
                # As for a block skipped before it started: the summary and run.json say why.
                record.status, record.reason = "skipped", skip_reason(running.planned.block)
                self.ui.message(f"skipped {running.planned.block.name}: {record.reason}")

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

    def on_signal(self, sig: int) -> None:
        """SIGINT, SIGTERM or SIGHUP to mdrun: stop; a second one kills at once. A cleanup block
        running is let finish: a second signal terminates it, a third kills it."""
        self.interrupts += 1
        name = signal.Signals(sig).name
        self.exit_code = self.exit_code or 128 + sig
        if self.phase == "cleanup":
            self._interrupt_cleanup(name)
        elif self.phase == "main":
            self.ui.message(
                f"received {name}: stopping (again to kill at once); cleanup blocks still run"
            )
            self.begin_stop()
        else:
            still = "; cleanup blocks still run" if self.cleanups else ""
            self.ui.message(f"received {name}: killing what is left{still}")
            self.hurry()

    def _interrupt_cleanup(self, name: str) -> None:
        if self.sync is None:
            return
        self.cleanup_interrupts += 1
        block, grace = self.sync.planned.block.name, self.policy.grace
        if self.cleanup_interrupts == 1:
            self.ui.message(
                f"received {name}: letting cleanup {block!r} finish (again to terminate it:"
                f" SIGTERM, then SIGKILL after {grace:g}s)"
            )
        elif self.cleanup_interrupts == 2:
            self.ui.message(
                f"terminating cleanup {block!r} (again to kill it and skip the other cleanups)"
            )
            self.sync.child.signal(signal.SIGTERM)
            self.sync.kill_at = self.clock() + grace
        else:
            self.ui.message(f"killing cleanup {block!r}; the other cleanups are skipped")
            self.sync.child.signal(signal.SIGKILL)
            self.cleanups.clear()

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


def record_for(planned: PlannedBlock) -> BlockRecord:
    """A block's row in run.json before it is reached."""
    block, verdict = planned.block, planned.verdict
    return BlockRecord(
        block.name, format_origin(block.origin), block.mode, f"{verdict.kind}: {verdict.reason}"
    )
