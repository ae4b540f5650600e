"""Run a command on a fresh pseudo-terminal, as a person at a terminal would."""

from __future__ import annotations

import os
import select
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from tests.helpers.screen import run_on_terminal


def run_on_tty(
    argv: list[str], cwd: Path, env: Mapping[str, str] | None = None
) -> tuple[int, bytes]:
    """Exit code and everything the command wrote to its terminal (read until it closes), on a
    terminal nobody sized (0x0)."""
    return run_on_terminal(argv, cwd, os.environ if env is None else env, size=None, timeout=300)


class Terminal:
    """A command run on a fresh pseudo-terminal (its controlling terminal): keys in, screen
    out, as a person at a terminal would drive it."""

    def __init__(self, argv: list[str], env: Mapping[str, str], cwd: Path | None = None) -> None:
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)
        self.screen = b""

    def wait_for(self, text: bytes, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            left = deadline - time.monotonic()
            assert left > 0, f"never saw {text!r}; screen: {self.screen!r}"
            if select.select([self.master], [], [], left)[0]:
                try:
                    self.screen += os.read(self.master, 65536)
                except OSError:  # the terminal closed
                    assert text in self.screen, self.screen
                    return

    def _read(self, wait: float) -> bool:
        """Add what the terminal shows within `wait` seconds; False when nothing came."""
        try:
            if not select.select([self.master], [], [], wait)[0]:
                return False
            data = os.read(self.master, 65536)
        except OSError:  # the terminal closed
            return False
        self.screen += data
        return bool(data)

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def finish(self, timeout: float = 20.0) -> tuple[int, str]:
        """Read the screen until the command exits (reading all along, so that a full terminal
        buffer cannot block it), then its exit code and the whole screen."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        code = self.proc.wait(timeout=max(deadline - time.monotonic(), 1))
        while self._read(0.2):
            pass
        os.close(self.master)
        return code, self.screen.decode(errors="replace")
