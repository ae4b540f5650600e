"""Starting one block as a child process: pipes or a pseudo-terminal, its own session.

`Spawner` is the real process factory the `Manager` is given; tests give it fakes with the same
`spawn(spec)` shape. Reaping is not done here: the event loop waits for every child itself
(`os.waitpid(-1)`), which also collects orphans reparented to mdrun as a child subreaper.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import struct
import subprocess
import sys
import termios
from collections.abc import Callable, Mapping
from typing import NamedTuple

from mdrun.run.handoff import ShellState, read_state, wrapper_script
from mdrun.run.terminal import SourceNames
from mdrun.run.watchdog import RUN_ID_VAR

LOG_DIR_VAR = "MDRUN_RUN_LOG_DIR"
"""The run's log directory, given to every block (not MDRUN_LOG_DIR: a nested mdrun would then
write its run.json over this run's)."""

_PIPE_SIZE = 1 << 20  # fewer wake-ups per megabyte on busy blocks
_PR_SET_CHILD_SUBREAPER = 36


class ChildSpec(NamedTuple):
    """Everything needed to start one block once."""

    name: str
    """The block's name (for temp file names and messages)."""
    body: str
    """Shell source to run."""
    env: Mapping[str, str]
    """Environment to start with."""
    cwd: str
    """Working directory to start in."""
    pty: bool = False
    """Pseudo-terminal instead of pipes (stdout and stderr are then one stream)."""
    keep_state: bool = False
    """Dump the shell state at exit (sync blocks) for `Child.shell_state`."""
    when: str | None = None
    """The block's `when=` condition, checked in the block's own shell before its body."""
    origins: tuple[str, ...] = ()
    """Where each line of `body` comes from (`rb.md:12`): bash's messages are shown so."""
    origin: str = ""
    """Where the fence is: for messages about the wrapper's own lines (`when=`)."""
    interactive: bool = False
    """May read the terminal mdrun was started on (sync blocks), when there is one."""


class Child:
    """A started block: its process, its group and the fds its output arrives on."""

    __slots__ = ("names", "pid", "popen", "skip_path", "state_path", "streams", "temp_files")

    def __init__(
        self,
        pid: int,
        streams: list[tuple[int, bool]],
        popen: subprocess.Popen[bytes] | None = None,
        state_path: str | None = None,
        temp_files: list[str] | None = None,
        skip_path: str | None = None,
        names: SourceNames | None = None,
    ) -> None:
        self.pid = pid
        """Process id; also the process group and session id."""
        self.streams = streams
        """(fd, is_stderr) pairs, non-blocking, read until end of file."""
        self.popen = popen
        """The Popen object, kept so its returncode can be set when the loop reaps the pid."""
        self.state_path = state_path
        """Where the wrapper dumps the shell state."""
        self.temp_files = temp_files if temp_files is not None else []
        """Files to remove when the block is done."""
        self.skip_path = skip_path
        """Created by the wrapper when `when=` was false at run time."""
        self.names = names
        """Turns this start's temp file names in bash's messages into the runbook's locations."""

    def skipped(self) -> bool:
        """Whether the block's `when=` condition was false, so its body never ran."""
        return self.skip_path is not None and os.path.exists(self.skip_path)

    def signal(self, sig: int) -> None:
        """Signal the whole process group; a group already gone is not an error."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def shell_state(self, previous: ShellState) -> ShellState:
        """The state the block left (or `previous` when it left none)."""
        if self.state_path is None:
            return previous
        return read_state(self.state_path, previous)

    def discard(self) -> None:
        """Remove temp files."""
        for path in self.temp_files:
            with contextlib.suppress(OSError):
                os.unlink(path)


def become_subreaper() -> bool:
    """Make orphaned descendants reparent to this process (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


class Spawner:
    """The real process factory: one bash per block, in its own session."""

    def __init__(
        self,
        temp_dir: str,
        run_id: str,
        on_group: Callable[[int], None],
        log_dir: str | None = None,
        terminal_input: bool = False,
    ) -> None:
        self.terminal_input = terminal_input
        """Sync blocks read mdrun's standard input (a terminal, a person at it)."""
        self._temp_dir = temp_dir
        self._run_id = run_id
        self._on_group = on_group
        self._log_dir = os.path.abspath(log_dir) if log_dir else None
        self._count = 0

    def spawn(self, spec: ChildSpec) -> Child:
        """Start `spec`; raises OSError when it cannot be started (bad cwd...)."""
        self._count += 1
        stem = os.path.join(self._temp_dir, f"{self._count}")
        body_path, script_path = f"{stem}.body.sh", f"{stem}.sh"
        state_path = f"{stem}.state" if spec.keep_state else None
        skip_path = f"{stem}.skipped" if spec.when else None
        _write_private(body_path, spec.body)
        _write_private(script_path, wrapper_script(body_path, state_path, spec.when, skip_path))
        env = dict(spec.env)
        env[RUN_ID_VAR] = self._run_id
        # Runbooks that need Python (or a CLI installed beside mdrun) find the one running mdrun.
        env.setdefault("MDRUN_PYTHON", sys.executable)
        if self._log_dir:  # where a block may keep files beside its log (a Ray job's job.json)
            env[LOG_DIR_VAR] = self._log_dir
        streams, child_fds = _pty_fds() if spec.pty else _pipe_fds()
        stdin = self._stdin(spec, child_fds[0])
        try:
            popen = subprocess.Popen(
                ["bash", script_path],
                stdin=stdin,
                stdout=child_fds[0],
                stderr=child_fds[1],
                cwd=spec.cwd,
                env=env,
                start_new_session=True,
            )
        except OSError:
            for fd, _ in streams:
                os.close(fd)
            raise
        finally:
            for fd in set(child_fds):
                os.close(fd)
        if spec.pty and stdin != 0:
            os.write(streams[0][0], b"\x04")  # end of input, as /dev/null gives it
        self._on_group(popen.pid)
        temp = [body_path, script_path] + [p for p in (state_path, skip_path) if p]
        names = SourceNames(body_path, spec.origins, script_path, spec.origin)
        return Child(popen.pid, streams, popen, state_path, temp, skip_path, names)

    def _stdin(self, spec: ChildSpec, output: int) -> int:
        """What the block reads: the terminal mdrun runs on, for a sync block when there is one
        (as make and just do); else the block's pseudo-terminal with `pty=true`; else nothing."""
        if spec.interactive and self.terminal_input:
            return 0
        return output if spec.pty else subprocess.DEVNULL


def _pipe_fds() -> tuple[list[tuple[int, bool]], tuple[int, int]]:
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    for fd in (out_r, err_r):
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        os.set_blocking(fd, False)
    return [(out_r, False), (err_r, True)], (out_w, err_w)


def _pty_fds() -> tuple[list[tuple[int, bool]], tuple[int, int]]:
    master, slave = os.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST  # no "\n" → "\r\n": the log stays what the program wrote
    attrs[3] &= ~termios.ECHO  # nobody types here: nothing to echo into the log
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    rows, columns = _terminal_size()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    os.set_blocking(master, False)
    return [(master, False)], (slave, slave)


def _terminal_size() -> tuple[int, int]:
    """Rows and columns for a block's pseudo-terminal: mdrun's own terminal's, else 24x80."""
    for fd in (1, 0, 2):
        with contextlib.suppress(OSError):
            size = os.get_terminal_size(fd)
            if size.lines and size.columns:
                return size.lines, size.columns
    return 24, 80


def _write_private(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)


def signal_pids(pids: list[int], sig: int) -> None:
    """Signal each pid, ignoring those already gone."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
