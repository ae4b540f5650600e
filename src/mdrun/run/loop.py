"""The event loop: one thread, one epoll, every child's output and every signal.

The per-chunk path is one `readv` and one log `write` with no transports, protocols, futures or
threads in between, and one console `write` per wake-up for every stream read in it; asyncio
and sh were measured against it (bench/bench_supervisor.py, figures in bench/RESULTS.md).
Signals (SIGCHLD included) arrive through `signal.set_wakeup_fd`, so a child's exit and
Ctrl-C wake the same poll.
"""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import re
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable

from mdrun.run.manager import Manager
from mdrun.run.manifest import log_name
from mdrun.run.output import BlockLog, ConsoleOut, Sink, prefixes
from mdrun.run.process import Child, ChildSpec, Spawner
from mdrun.run.ready import LineMatcher, poll_url

_READ_SIZE = 1 << 18
_DRAIN_READS = 8  # 2 MiB: more than a pipe (1 MiB) or pty buffer holds
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PERIOD = 0.25
_MIN_WAKE_GAP = 0.04
"""With many streams, the least time between wake-ups, so that one wake-up serves several
streams; it stays within the time a partial line may wait anyway."""
_MANY_STREAMS = 16
_MAX_POLL = 1.0
"""Longest sleep without a deadline: a safety net should a SIGCHLD ever be coalesced away."""


class Loop:
    """Drives a `Manager`: spawns for it (it is the manager's `io`), reads, reaps, ticks."""

    def __init__(
        self,
        log_dir: str,
        console: ConsoleOut,
        spawner: Spawner,
        colour: bool,
        on_log_error: Callable[[BlockLog, OSError], None],
    ) -> None:
        self.log_dir, self.console, self.spawner, self.colour = log_dir, console, spawner, colour
        self._on_log_error = on_log_error
        self.epoll = select.epoll()
        self.readers: dict[int, tuple[Sink, Child]] = {}
        self.children: dict[int, Child] = {}
        self.others: dict[int, subprocess.Popen[bytes]] = {}
        """Children that are not blocks (the watchdog): reaped here, their returncode set."""
        self.logs: dict[str, BlockLog] = {}
        self.sinks: dict[str, tuple[Sink, Sink]] = {}
        self.manager: Manager | None = None
        self.periodic: list[Callable[[], None]] = []
        """Called about every `_PERIOD` seconds (run.json updates, the live area's redraw)."""
        self._next_period = 0.0
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._call_r, self._call_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.epoll.register(self._wake_r, select.EPOLLIN)
        self.epoll.register(self._call_r, select.EPOLLIN)
        self._old_handlers: dict[int, object] = {}
        self._last_wake = 0.0
        self._buffer = bytearray(_READ_SIZE)
        self._buffers = (self._buffer,)
        self._view = memoryview(self._buffer)
        self._touched = False
        """Set when the manager was called: its timers may have changed."""

    # -- the manager's io --------------------------------------------------------------------

    def spawn(self, spec: ChildSpec) -> Child:
        """Start a block and register its output streams."""
        child = self.spawner.spawn(spec)
        out, err = self._sinks_for(spec.name)
        out.names = err.names = child.names
        for fd, is_err in child.streams:
            self.readers[fd] = (err if is_err else out, child)
            self.epoll.register(fd, select.EPOLLIN)
        self.children[child.pid] = child
        return child

    def watch_ready(self, name: str, ready: str, timeout: float, done: Callable[[], None]) -> None:
        """Call `done` once a line of `name` matches `ready`, or once the URL answers 2xx."""
        if ready.startswith(("http://", "https://")):
            threading.Thread(
                target=poll_url,
                args=(ready, timeout, lambda: self.call_soon(lambda: self._call(done))),
                daemon=True,
            ).start()
            return
        sinks = self._sinks_for(name)
        watcher = LineMatcher(re.compile(ready), lambda: self._call(done), sinks)
        for sink in sinks:
            sink.watchers.append(watcher)

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the loop's thread (thread-safe)."""
        self._calls.put(fn)
        with contextlib.suppress(BlockingIOError):
            os.write(self._call_w, b"x")

    def _call(self, fn: Callable[[], None]) -> None:
        self._touched = True
        fn()

    def _sinks_for(self, name: str) -> tuple[Sink, Sink]:
        if name not in self.sinks:
            path = os.path.join(self.log_dir, log_name(name))
            n = 2
            while any(log.path == path for log in self.logs.values()):
                path = os.path.join(self.log_dir, log_name(f"{name}-{n}"))
                n += 1
            log = BlockLog(path, self._on_log_error)
            self.logs[name] = log
            out, err = prefixes(name, len(self.sinks), self.colour)
            self.sinks[name] = (Sink(log, self.console, out), Sink(log, self.console, err))
        return self.sinks[name]

    # -- running -----------------------------------------------------------------------------

    def install_signals(self) -> None:
        """Route SIGCHLD and the stop signals through the wake-up pipe."""
        signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        for sig in (signal.SIGCHLD, *_STOP_SIGNALS):
            self._old_handlers[sig] = signal.signal(sig, _note)

    def restore_signals(self) -> None:
        """Put back the handlers found by `install_signals`."""
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        signal.set_wakeup_fd(-1)

    def run(self, manager: Manager) -> None:
        """Run until the manager is done, then read every stream to its end."""
        self.manager = manager
        manager.start()
        deadline = manager.next_deadline()
        while not manager.done:
            self._iterate(deadline)
            # Timers are scanned only when one is due or the manager heard of something:
            # with many blocks, scanning per output chunk would cost more than the output.
            if self._touched or (deadline is not None and time.monotonic() >= deadline):
                self._touched = False
                manager.on_tick()
                deadline = manager.next_deadline()
        self.console.flush()
        deadline = time.monotonic() + 2.0
        while self.readers and time.monotonic() < deadline:
            self._iterate(deadline)
        for fd in list(self.readers):
            self._close(fd)
        self.console.flush()

    def close(self) -> None:
        """Release the loop's fds and close the log files (after `run`)."""
        for log in self.logs.values():
            log.close()
        for fd in (self._wake_r, self._wake_w, self._call_r, self._call_w):
            os.close(fd)
        self.epoll.close()

    def _iterate(self, deadline: float | None) -> None:
        self.console.flush()
        now = time.monotonic()
        if len(self.readers) > _MANY_STREAMS and now - self._last_wake < _MIN_WAKE_GAP:
            # Many blocks: let output accumulate so one wake-up serves several streams, since
            # then a wake-up costs more than the bytes it moves; with a few blocks nothing is
            # delayed (the latency target is for those).
            time.sleep(_MIN_WAKE_GAP - (now - self._last_wake))
            now = time.monotonic()
        limit = max(0.0, min(self._next_period - now, _MAX_POLL))
        timeout = limit if deadline is None else max(0.0, min(deadline - now, limit))
        events = self.epoll.poll(timeout)
        self._last_wake = now = time.monotonic()
        readers = self.readers
        read = self._read
        for fd, _ in events:
            reader = readers.get(fd)
            if reader is not None:
                read(fd, reader[0])
            elif fd == self._wake_r:
                self._on_signals()
            elif fd == self._call_r:
                self._run_calls()
        if not events:
            self._reap()
            now = time.monotonic()
        if now >= self._next_period:
            self._next_period = time.monotonic() + _PERIOD
            for fn in self.periodic:
                fn()
        self.console.flush()

    def _read(self, fd: int, sink: Sink) -> bool:
        """Read one chunk from `fd` into `sink`; False when it has nothing more right now."""
        try:
            # readv into one reused buffer: os.read(fd, 256 KiB) would mmap, mremap and munmap
            # a fresh buffer per call, three system calls more than the read itself.
            size = os.readv(fd, self._buffers)
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno != errno.EIO:  # EIO: a pty whose other side is closed
                raise
            size = 0
        if not size:
            self._close(fd)
            return False
        sink.feed(self._view[:size].tobytes())
        return True

    def _close(self, fd: int) -> None:
        sink, _ = self.readers.pop(fd)
        self.epoll.unregister(fd)
        os.close(fd)
        sink.finish()

    def _on_signals(self) -> None:
        try:
            received = os.read(self._wake_r, 512)
        except BlockingIOError:
            return
        for sig in received:
            if sig in _STOP_SIGNALS and self.manager is not None:
                self._touched = True
                self.manager.on_signal(sig)
        self._reap()

    def _run_calls(self) -> None:
        with contextlib.suppress(BlockingIOError):
            os.read(self._call_r, 512)
        while not self._calls.empty():
            self._calls.get()()

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            code = os.waitstatus_to_exitcode(status)
            if pid in self.others:
                self.others.pop(pid).returncode = code
            child = self.children.pop(pid, None)
            if child is None:
                continue  # an orphan reparented to us (subreaper): reaping it is all we owe
            if child.popen is not None:
                child.popen.returncode = code
            self._drain(child)
            if self.manager is not None:
                self._touched = True
                self.manager.on_exit(child, code)
            child.discard()

    def _drain(self, child: Child) -> None:
        """Everything the child wrote before exiting, before anyone hears it exited."""
        for fd, _ in child.streams:
            # Bounded: a grandchild that keeps writing (`yes &`) must not keep us here; what
            # the child wrote before exiting is at most one pipe buffer.
            for _ in range(_DRAIN_READS):
                reader = self.readers.get(fd)
                if reader is None or not self._read(fd, reader[0]):
                    break


def _note(signum: int, frame: object) -> None:
    """Signal handler: the wake-up fd already carries the signal number."""
