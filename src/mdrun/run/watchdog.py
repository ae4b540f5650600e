"""A watchdog process that stops a run's children when mdrun dies without cleaning up.

mdrun starts this file as a script (`python -S watchdog.py RUN_ID GRACE TEMP_DIR`) in its own session,
with the read end of a pipe as stdin. Only mdrun holds the write end, so the kernel closes it
when mdrun exits for any reason, SIGKILL included. mdrun writes `g PGID` lines for each process
group it creates and `done` when it has cleaned up itself. On end of file without `done`, the
watchdog signals every recorded group and every process whose environment carries the run id.

The script part imports only the standard library and never `mdrun`: with `-S` it starts in a
few milliseconds and cannot be broken by the environment mdrun was started from.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable

RUN_ID_VAR = "MDRUN_RUN_ID"


def run_pids(run_id: str, parent: int = -1) -> list[int]:
    """Live (not zombie) processes whose environment has MDRUN_RUN_ID=run_id, or whose parent
    is `parent` (orphans reparented to a subreaper)."""
    needle = f"{RUN_ID_VAR}={run_id}".encode()
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            fields = stat[stat.rindex(b")") + 2 :].split()
            if fields[0] == b"Z":
                continue
            if int(fields[1]) == parent:
                found.append(int(entry))
                continue
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
        except (OSError, ValueError, IndexError):
            continue  # exited meanwhile, or not ours to read
        if needle in environ.split(b"\0"):
            found.append(int(entry))
    return found


def signal_all(groups: set[int], run_id: str, sig: int) -> int:
    """Send `sig` to the groups and run-id processes; return how many targets were alive."""
    return _send(os.killpg, groups, sig) + _send(os.kill, run_pids(run_id), sig)


def _send(kill: Callable[[int, int], None], targets: Iterable[int], sig: int) -> int:
    """How many of `targets` (pids or process groups) `kill` reached with `sig`."""
    reached = 0
    for target in targets:
        try:
            kill(target, sig)
            reached += 1
        except OSError:
            pass
    return reached


def _watch(run_id: str, grace: float, temp_dir: str) -> None:
    groups: set[int] = set()
    done = False
    for raw in sys.stdin.buffer:
        line = raw.strip()
        if line == b"done":
            done = True
        elif line.startswith(b"g "):
            groups.add(int(line[2:]))
    if done:
        return
    shutil.rmtree(temp_dir, ignore_errors=True)  # the blocks' scripts: runbook text, maybe secrets
    signal_all(groups, run_id, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and signal_all(groups, run_id, 0):
        time.sleep(0.05)
    for _ in range(20):  # SIGKILL until nothing is left: forks may race the scan
        if not signal_all(groups, run_id, signal.SIGKILL):
            return
        time.sleep(0.05)


class Watchdog:
    """mdrun's side of the watchdog: start it, tell it about groups, dismiss it."""

    def __init__(self, run_id: str, grace: float, temp_dir: str) -> None:
        read_end, self._write_end = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-S", os.path.abspath(__file__), run_id, str(grace), temp_dir],
            stdin=read_end,
            start_new_session=True,  # a terminal's Ctrl-C must not reach it
            env={k: v for k, v in os.environ.items() if k != RUN_ID_VAR},
        )
        os.close(read_end)

    def add_group(self, pgid: int) -> None:
        """Record a process group to signal if mdrun dies."""
        self._send(f"g {pgid}\n")

    def dismiss(self) -> None:
        """mdrun cleaned up itself: let the watchdog exit without signalling anything."""
        self._send("done\n")
        self.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1.0)  # it exits at once; reap it rather than leak it

    def close(self) -> None:
        """Close the pipe; without `dismiss` first, the watchdog stops the run's processes."""
        if self._write_end >= 0:
            os.close(self._write_end)
            self._write_end = -1

    def _send(self, text: str) -> None:
        if self._write_end >= 0:
            # If the watchdog died there is nothing better to do than run on without it.
            with contextlib.suppress(OSError):
                os.write(self._write_end, text.encode())


if __name__ == "__main__":
    for _sig in (signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(_sig, signal.SIG_IGN)
    _watch(sys.argv[1], float(sys.argv[2]), sys.argv[3])
