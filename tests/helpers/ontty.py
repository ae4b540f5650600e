"""Run a command on a fresh pseudo-terminal, as a person at a terminal would."""

from __future__ import annotations

import os
import pty
from collections.abc import Mapping
from pathlib import Path


def run_on_tty(
    argv: list[str], cwd: Path, env: Mapping[str, str] | None = None
) -> tuple[int, bytes]:
    """Exit code and everything the command wrote to its terminal (read until it closes)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execve(argv[0], argv, dict(os.environ if env is None else env))
    out = b""
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the command exited and the terminal closed
            break
        if not data:
            break
        out += data
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out
