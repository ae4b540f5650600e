"""Signals to mdrun itself: everything of the run stops, nothing hangs, no line is lost.

mdrun runs in a child process (tests/helpers/runplan.py) so that it can be signalled and
SIGKILLed; what is left of the run is found by its run id (MDRUN_RUN_ID in every child).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mdrun.run.watchdog import run_pids

pytestmark = pytest.mark.timeout(40)
ROOT = Path(__file__).parent.parent

# A plain child, a background grandchild, one that left the group with setsid, and a
# double-forking daemon: honcho's killpg would miss the last two.
ESCAPING = "sleep 1000 & setsid sleep 1000 & (setsid bash -c 'sleep 1000 & exit' &); sleep 1000"
IGNORES_TERM = "trap '' TERM; sleep 1000 & sleep 1000"


STARTED: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def _kill_leftovers() -> Any:
    """A failed test must not leave mdrun running: SIGKILL lets its watchdog clean up."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class Mdrun:
    def __init__(self, tmp_path: Path, blocks: list[list[Any]], **options: Any) -> None:
        self.logs = tmp_path / "logs"
        spec = tmp_path / "spec.json"
        spec.write_text(
            json.dumps({"blocks": blocks, "options": {"log_dir": str(self.logs), **options}})
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.runplan", str(spec)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        STARTED.append(self.proc)
        self.run_id = ""

    def wait_for(self, processes: int, timeout: float = 10.0) -> None:
        """Until run.json exists and at least `processes` of the run are alive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                self.run_id = json.loads((self.logs / "run.json").read_text())["run_id"]
            if self.run_id and len(run_pids(self.run_id)) >= processes:
                return
            time.sleep(0.05)
        raise AssertionError(f"run did not start {processes} processes")

    def left(self, within: float) -> list[int]:
        """Processes of the run still alive after `within` seconds (polling)."""
        deadline = time.monotonic() + within
        while (pids := run_pids(self.run_id)) and time.monotonic() < deadline:
            time.sleep(0.05)
        return pids


def _blocks() -> list[list[Any]]:
    return [
        ["w1", ESCAPING, {"is_async": True}],
        ["w2", IGNORES_TERM, {"is_async": True}],
        ["a", "sleep 1000"],
    ]


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]
)
def test_a_stop_signal_stops_every_descendant_within_grace(
    tmp_path: Path, sig: int, code: int
) -> None:
    m = Mdrun(tmp_path, _blocks(), grace=1.0)
    m.wait_for(processes=10)
    sent = time.monotonic()
    m.proc.send_signal(sig)
    assert m.proc.wait(timeout=10) == code
    assert time.monotonic() - sent < 1.0 + 2.0
    assert m.left(within=0.0) == []
    statuses = {
        b["name"]: b["status"] for b in json.loads((m.logs / "run.json").read_text())["blocks"]
    }
    assert statuses == {"w1": "stopped", "w2": "stopped", "a": "stopped"}


def test_a_second_sigint_hurries_the_kill(tmp_path: Path) -> None:
    m = Mdrun(tmp_path, _blocks(), grace=60.0)
    m.wait_for(processes=10)
    m.proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert m.proc.poll() is None  # w2 ignores SIGTERM: the grace period runs
    m.proc.send_signal(signal.SIGINT)
    assert m.proc.wait(timeout=5) == 130
    assert m.left(within=0.0) == []


def test_sigkill_of_mdrun_leaves_no_child_alive(tmp_path: Path) -> None:
    m = Mdrun(tmp_path, _blocks(), grace=1.0)
    m.wait_for(processes=10)
    m.proc.kill()
    m.proc.wait()
    assert m.left(within=5.0) == []


WRITER = """
import signal, sys
def stop(*_):
    sys.stdout.write("final\\n"); sys.stdout.flush(); sys.exit(0)
signal.signal(signal.SIGTERM, stop)
i = 0
while True:
    sys.stdout.write(f"{i}\\n"); i += 1
"""


def test_every_line_written_before_sigterm_is_in_the_log(tmp_path: Path) -> None:
    (tmp_path / "writer.py").write_text(WRITER)
    body = f"exec {sys.executable} {tmp_path / 'writer.py'}"
    m = Mdrun(tmp_path, [["w", body, {"is_async": True}], ["a", "sleep 1000"]], grace=2.0)
    m.wait_for(processes=2)
    log = m.logs / "w.log"
    while not log.exists() or log.stat().st_size < 2_000_000:
        time.sleep(0.05)
    m.proc.terminate()
    assert m.proc.wait(timeout=10) == 143
    lines = log.read_bytes().split(b"\n")
    assert lines[-2:] == [b"final", b""]
    numbers = lines[:-2]
    assert len(numbers) > 100_000
    assert numbers == [b"%d" % i for i in range(len(numbers))]


def test_the_watchdog_exits_quietly_after_a_clean_run(tmp_path: Path) -> None:
    m = Mdrun(tmp_path, [["a", "true"]])
    assert m.proc.wait(timeout=10) == 0
    assert os.path.exists(m.logs / "a.log")


def test_a_grandchild_that_never_stops_writing_does_not_hang_the_run(tmp_path: Path) -> None:
    m = Mdrun(tmp_path, [["a", "yes > /dev/stdout &\nsleep 0.2"], ["b", "echo after"]], grace=0.5)
    assert m.proc.wait(timeout=20) == 0
    assert (m.logs / "b.log").read_bytes() == b"after\n"
    assert (m.logs / "a.log").stat().st_size > 0
