"""`mdrun run` on a runbook file in a child process, as a user runs it, for fault tests.

The run's processes are found afterwards by its run id (MDRUN_RUN_ID, in run.json), the way
the watchdog finds them: a test asserts that nothing of the run is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from mdrun.run.watchdog import run_pids

FENCE = "```"


def block(body: str, attrs: str = "") -> str:
    """A bash fence with `{attrs}` (e.g. `name=w async=true`)."""
    info = f"bash {{{attrs}}}" if attrs else "bash"
    return f"{FENCE}{info}\n{body}\n{FENCE}\n\n"


class Run:
    """One `mdrun run rb.md --log-dir logs` started in `root`; console output in console.out."""

    def __init__(
        self, root: Path, runbook: str, *args: str, grace: float = 1.0, logs: Path | None = None
    ) -> None:
        self.root, self.logs = root, logs or root / "logs"
        (root / "rb.md").write_text(runbook)
        self.console_path = root / "console.out"
        argv = [sys.executable, "-m", "mdrun", "run", "rb.md", "--log-dir", str(self.logs)]
        with open(self.console_path, "wb") as out:
            self.proc = subprocess.Popen(
                [*argv, "--grace", str(grace), *args],
                cwd=root,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "NO_COLOR": "1"},
            )
        self.run_id = ""

    def wait(self, timeout: float = 30) -> int:
        """mdrun's exit code; past `timeout` it is killed and the test fails with what it said."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            alive = [_status(pid) for pid in run_pids(self.run_id)] if self.run_id else []
            raise AssertionError(
                f"mdrun still running after {timeout} s; its processes: {alive}\n{self.console}"
            ) from None
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()

    def started(self, timeout: float = 10) -> str:
        """Wait for run.json and return the run id."""
        deadline = time.monotonic() + timeout
        while not self.run_id and time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError, KeyError):
                self.run_id = json.loads((self.logs / "run.json").read_text())["run_id"]
            time.sleep(0.05)
        assert self.run_id, "run.json never appeared"
        return self.run_id

    def left(self, within: float = 2.0) -> list[str]:
        """Command lines of the run's processes still alive after `within` seconds."""
        self.started()
        deadline = time.monotonic() + within
        while (pids := run_pids(self.run_id)) and time.monotonic() < deadline:
            time.sleep(0.05)
        return [_cmdline(pid) for pid in pids]

    @property
    def console(self) -> str:
        """Everything mdrun printed (stdout and stderr), decoded leniently."""
        return self.console_path.read_bytes().decode(errors="replace")

    def log(self, name: str) -> bytes:
        """The raw log of block `name`."""
        return (self.logs / f"{name}.log").read_bytes()

    def blocks(self) -> dict[str, dict[str, Any]]:
        """run.json's block entries by name."""
        data = json.loads((self.logs / "run.json").read_text())
        return {b["name"]: b for b in data["blocks"]}


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f"{pid}: " + f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return f"{pid}: (gone)"


def _status(pid: int) -> str:
    """The command line, state and signal masks of a process, for a hang's report."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return f"{pid}: (gone)"
    keys = ("State", "PPid", "SigBlk", "SigIgn", "SigCgt")
    return _cmdline(pid) + " " + " ".join(f"{k}={fields.get(k, '').strip()}" for k in keys)
