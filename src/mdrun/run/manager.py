"""The run's policy as a state machine: what to start, when, and what an exit means.

The `Manager` does no I/O of its own. It is driven by events (`start`, `on_exit`,
`on_ready`, `on_signal`, `on_tick`) and acts through injected objects: `io.spawn(spec)` starts
a child, `killer` signals everything the run started, `clock()` tells the time and `ui` shows
messages. Unit tests replay scripted histories with fakes; `supervisor.Loop` drives it for real.
"""

from __future__ import annotations

import os
import signal
import time

from mdrun.model import PlannedBlock, format_origin
from mdrun.run.asking import settle_before
from mdrun.run.blockguard import block_guard, block_script
from mdrun.run.contracts import ChildLike, Running
from mdrun.run.guidebooks import skip_if_done
from mdrun.run.handoff import ShellState
from mdrun.run.process import ChildSpec
from mdrun.run.state import RunState

STOP_SUCCESS = 90
"""A block exiting 90 stops the run successfully (the guidebooks' convention)."""


class Manager(RunState):
    """Sequential blocks in order, async blocks alongside, then stop, cleanup and sweep."""

    def start(self) -> None:
        """Begin the run."""
        self.advance()

    def advance(self) -> None:
        """Start blocks until a sync block runs, a readiness wait holds, or the plan ends."""
        while self.phase == "main" and self.sync is None and not self.not_ready:
            if self.pos >= len(self.items):
                self.begin_stop()
                return
            planned = self.items[self.pos]
            if skip_if_done(self, planned):
                continue
            if self.settler is not None and self.settler.needs(planned.block):
                if not settle_before(self, planned):
                    return
                continue  # the plan from here on, with the answers
            self.pos += 1
            self._reach(planned)
            self.changed()

    def _reach(self, planned: PlannedBlock) -> None:
        record = self.records[planned.block.name]
        if not planned.block.options.cleanup:
            self.take_turn(record)
        if planned.verdict.kind == "skip":
            record.status, record.reason = "skipped", planned.verdict.reason
            self.ui.message(f"skipped {planned.block.name}: {planned.verdict.reason}")
        elif planned.block.options.cleanup:
            record.status = "registered"
            self.cleanups.append(planned)
        elif planned.block.options.is_async:
            self._start_async(planned)
        else:
            self.sync = self.spawn_block(planned, keep_state=True)

    def _start_async(self, planned: PlannedBlock) -> None:
        running = self.spawn_block(planned, keep_state=False)
        if running is None:
            return
        name = planned.block.name
        self.asyncs[name] = running
        ready = planned.block.options.ready
        if ready and name not in self.ready_met and name not in self.not_ready:
            timeout = planned.block.options.ready_timeout
            self.not_ready[name] = self.clock() + timeout
            self.io.watch_ready(name, ready, timeout, lambda: self.on_ready(name))

    def spawn_block(self, planned: PlannedBlock, keep_state: bool) -> Running | None:
        """Start a block with the current shell state; None (and reported) when it cannot."""
        block, record = planned.block, self.records[planned.block.name]
        opts = block.options
        cwd = os.path.join(self.shell.cwd, opts.cwd) if opts.cwd else self.shell.cwd
        pty = opts.pty or self.policy.pty
        script, guard = block_script(block), block_guard(block)
        # Bash's messages name the runbook's lines where the script is the body as written.
        origins = block.line_origins if script == block.body else ()
        spec = ChildSpec(
            block.name, script, self.shell.env, cwd, pty, keep_state, guard,
            origins=tuple(format_origin(o) for o in origins),
            origin=format_origin(block.origin), interactive=not opts.is_async,
        )  # fmt: skip
        record.start, record.end, record.exit_code, record.signal = time.time(), None, None, None
        record.status = "running"
        try:
            child = self._spawn(planned, spec)
        except OSError as exc:
            record.status, record.end, record.error = "failed", time.time(), str(exc)
            self._failed(planned, f"could not start: {exc}", not block.options.allow_failure)
            return None
        record.pid = child.pid
        deadline = self.clock() + opts.timeout if opts.timeout else None
        return Running(planned, child, record, deadline)

    def _spawn(self, planned: PlannedBlock, spec: ChildSpec) -> ChildLike:
        """`io.spawn`; a cleanup block whose carried directory is gone (the run removed it) runs
        in the directory mdrun started in rather than not at all."""
        try:
            return self.io.spawn(spec)
        except FileNotFoundError as exc:
            moved = spec._replace(cwd=self.start_cwd)
            if not planned.block.options.cleanup or exc.filename != spec.cwd or moved == spec:
                raise
        self.ui.message(
            f"cleanup {spec.name}: its directory {spec.cwd} is gone; running it in {moved.cwd}"
        )
        return self.io.spawn(moved)

    def on_ready(self, name: str) -> None:
        """A `ready=` condition was met."""
        if self.not_ready.pop(name, None) is not None:
            self.ready_met.add(name)
            self.ui.message(f"{name} is ready")
            self.advance()

    def on_exit(self, child: ChildLike, code: int) -> None:
        """A child exited with `code` (negative: killed by that signal)."""
        if self.sync is not None and self.sync.child is child:
            running, self.sync = self.sync, None
            self.finish(running, code)
            self._sync_exited(running, code)
        else:
            for name, running in list(self.asyncs.items()):
                if running.child is child:
                    del self.asyncs[name]
                    self.finish(running, code)
                    self._async_exited(running, code)
        self.changed()
        self.check_stopped()

    def _sync_exited(self, running: Running, code: int) -> None:
        block = running.planned.block
        new = running.child.shell_state(self.shell)
        # `cwd=` is for this block only: keep its exports, not its directory.
        self.shell = ShellState(new.env, self.shell.cwd) if block.options.cwd else new
        if self.phase == "cleanup":
            if code != 0:
                self._failed(running.planned, _describe(code, running.timed_out), False)
                self.exit_code = self.exit_code or 1
            self.run_next_cleanup()
        elif code == STOP_SUCCESS and self.phase == "main":
            running.record.status = "ok"
            self.ui.message(f"{block.name} exited {STOP_SUCCESS}: stopping the run successfully")
            self.begin_stop()
        elif code == 0 or self.phase != "main":
            self.advance()
        elif block.options.allow_failure or block.options.optional:
            running.record.status = "allowed-failure"
            self.advance()
        elif self._failed(running.planned, _describe(code, running.timed_out), True):
            self.advance()

    def _async_exited(self, running: Running, code: int) -> None:
        opts, name = running.planned.block.options, running.planned.block.name
        if self.phase != "main":
            return  # stopped by mdrun at the end: not a failure
        if running.record.status == "skipped":
            # Nothing to wait for: a skipped block holds nobody back.
            if self.not_ready.pop(name, None) is not None:
                self.advance()
            return
        wants = opts.restart == "always" or (opts.restart == "on-failure" and code != 0)
        if wants and running.record.restarts < opts.max_restarts:
            delay = min(self.policy.restart_backoff * 2**running.record.restarts, 30.0)
            running.record.status = "restarting"
            self.restarts[name] = (self.clock() + delay, running.planned)
            self.ui.message(f"{name} {_describe(code, False)}: restarting in {delay:g}s")
        elif name in self.not_ready:
            self.not_ready.pop(name)
            what = f"ended ({_describe(code, False)}) before it was ready"
            self._failed(running.planned, what, True, keep_going=False)
        elif opts.required or code != 0:
            self._async_failed(running, code)

    def _async_failed(self, running: Running, code: int) -> None:
        """An async block ended on its own, for good: a failure unless `allow-failure=true` (or
        madwizard's `optional`, as for a sync block). A `required=true` block must run until the
        run ends: even exit code 0 fails it."""
        opts = running.planned.block.options
        what = _describe(code, running.timed_out)
        if opts.required:
            running.record.status = "failed"
            self._failed(running.planned, f"required, {what} before the run ended", True)
        elif opts.allow_failure or opts.optional:
            running.record.status = "allowed-failure"
            why = "allow-failure" if opts.allow_failure else "optional"
            self._failed(running.planned, f"{what}; going on ({why})", False)
        else:
            self._failed(running.planned, what, True)

    def _failed(
        self, planned: PlannedBlock, what: str, fatal: bool, keep_going: bool = True
    ) -> bool:
        """Report a failure; stop the run when fatal. True when the run goes on.

        `--keep-going` turns a fatal failure into a counted one, except where the blocks after
        it cannot run without it (`keep_going=False`: an async block never ready)."""
        block = planned.block
        message = f"block {block.name!r} ({format_origin(block.origin)}) {what}"
        if not fatal or self.phase != "main":
            self.ui.error(message)
            return True
        if keep_going and self.policy.keep_going:
            self.failures += 1
            self.ui.error(f"{message}; going on (--keep-going)")
            return True
        self.ui.error(message)
        self.exit_code = self.exit_code or 1
        self.begin_stop()
        return False

    def on_tick(self) -> None:
        """Timers: timeouts, restart backoffs, readiness deadlines, the shutdown grace."""
        now = self.clock()
        for running in self.running():
            self._check_timeout(running, now)
        for name, (due, planned) in list(self.restarts.items()):
            if now >= due and self.phase == "main":
                del self.restarts[name]
                self.records[name].restarts += 1
                self._start_async(planned)
        for name, due in list(self.not_ready.items()):
            if now >= due:
                self.not_ready.pop(name)
                planned = next(p for p in self.items if p.block.name == name)
                timeout = planned.block.options.ready_timeout
                self._failed(planned, f"not ready after {timeout:g}s", True, keep_going=False)
        self.tick_stopping(now)

    def _check_timeout(self, running: Running, now: float) -> None:
        if running.kill_at is not None and now >= running.kill_at:
            running.child.signal(signal.SIGKILL)
            running.kill_at = None
        elif running.deadline is not None and now >= running.deadline and not running.timed_out:
            running.timed_out = True
            running.record.status = "timeout"
            self.ui.message(f"{running.planned.block.name} timed out: terminating its group")
            running.child.signal(signal.SIGTERM)
            running.kill_at = now + self.policy.grace


def _describe(code: int, timed_out: bool) -> str:
    if timed_out:
        return "timed out"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return "exited with code 0" if code == 0 else f"failed with exit code {code}"
