"""Faults during a run: each is reported naming the block, the policy decides what goes on,
logs keep every byte the child wrote, and nothing of the run is left (run-id scan).

`mdrun run` runs on a runbook file in a child process (tests/adversarial/runner.py). Faults
that other tests already cover exactly are listed in docs/RELIABILITY.md instead of here.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.adversarial.runner import Run, block

pytestmark = pytest.mark.timeout(60)

TIDY = block("echo tidy ran", "name=tidy finally=true")


def _wait_for(path: Path, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if text := path.read_text():
                return text
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


@pytest.mark.parametrize("keep_going", [False, True], ids=["stop", "keep-going"])
def test_a_sync_block_killed_by_a_signal_is_named_and_the_policy_decides(
    tmp_path: Path, keep_going: bool
) -> None:
    body = "echo $$ > pid; echo started; sleep 100 & sleep 100"
    runbook = "# T\n\n" + TIDY + block(body, "name=a") + block("echo b ran", "name=b")
    r = Run(tmp_path, runbook, *(["--keep-going"] if keep_going else []))
    r.started()
    pid = int(_wait_for(tmp_path / "pid"))
    _wait_for_children(pid, 2)  # both sleeps started: the signal lands on a waiting shell
    os.kill(pid, signal.SIGTERM)
    assert r.wait() == 1
    assert "block 'a' (rb.md:7) killed by SIGTERM" in r.console
    statuses = {name: b["status"] for name, b in r.blocks().items()}
    assert statuses == {"tidy": "ok", "a": "failed", "b": "ok" if keep_going else "not-run"}
    assert r.log("a") == b"started\n" and r.log("tidy") == b"tidy ran\n"
    assert r.left() == []  # the background sleep of the killed block too


def test_an_async_block_that_fails_at_once_fails_the_run(tmp_path: Path) -> None:
    runbook = (
        "# T\n\n" + block("echo bye; exit 3", "name=w async=true") + block("sleep 30", "name=b")
    )
    r = Run(tmp_path, runbook)
    assert r.wait() == 1, r.console
    assert "block 'w' (rb.md:3) failed with exit code 3" in r.console
    blocks = r.blocks()
    assert blocks["w"]["status"] == "failed" and blocks["w"]["exit_code"] == 3
    assert blocks["b"]["status"] == "stopped" and r.log("w") == b"bye\n"
    assert r.left() == []


def test_an_async_block_allowed_to_fail_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    runbook = (
        "# T\n\n"
        + block("echo bye; exit 3", "name=w async=true allow-failure=true")
        + block("sleep 0.5; echo b ran", "name=b")
    )
    r = Run(tmp_path, runbook)
    code = r.wait()
    assert "block 'w' (rb.md:3) failed with exit code 3; going on (allow-failure)" in r.console
    blocks = r.blocks()
    assert blocks["w"]["status"] == "allowed-failure" and blocks["w"]["exit_code"] == 3
    assert blocks["b"]["status"] == "ok" and r.log("b") == b"b ran\n"
    assert code == 0, r.console
    assert r.left() == []


def test_a_required_async_block_that_exits_at_once_stops_the_run(tmp_path: Path) -> None:
    runbook = (
        "# T\n\n" + block("exit 0", "name=w async=true required=true") + block("sleep 30", "name=b")
    )
    r = Run(tmp_path, runbook)
    assert r.wait() == 1
    assert "block 'w' (rb.md:3) required, exited with code 0 before the run ended" in r.console
    assert r.blocks()["b"]["status"] in ("stopped", "failed")
    assert r.left() == []


# An async block that ignores SIGTERM, and one whose daemon double-forks out of its group
# and session: the run still ends (grace, then SIGKILL by run id) and nothing survives.
IGNORES_TERM = "trap '' TERM; echo up; sleep 1000 & sleep 1000 & wait"
DOUBLE_FORK = "(setsid bash -c 'sleep 1000 & exit' &); (setsid sleep 1000 &); echo up; sleep 1000"


@pytest.mark.parametrize("body", [IGNORES_TERM, DOUBLE_FORK], ids=["ignores-term", "daemon"])
def test_async_blocks_that_resist_stopping_leave_nothing_behind(tmp_path: Path, body: str) -> None:
    runbook = "# T\n\n" + block(body, "name=w async=true ready=up") + block("echo b ran", "name=b")
    r = Run(tmp_path, runbook, grace=0.5)
    assert r.wait() == 0, r.console
    assert r.blocks()["w"]["status"] == "stopped" and r.log("b") == b"b ran\n"
    assert r.left(within=3.0) == []


def test_an_async_child_writing_partial_lines_then_dying_keeps_every_byte(
    tmp_path: Path,
) -> None:
    body = "printf 'par'; sleep 0.1; printf 'tial\\nhalf'; sleep 0.1; kill -9 $$"
    runbook = (
        "# T\n\n"
        + block(body, "name=w async=true allow-failure=true")
        + block("sleep 0.6", "name=b")
    )
    r = Run(tmp_path, runbook)
    r.wait()
    assert r.log("w") == b"partial\nhalf"
    assert "[w] partial\n" in r.console and "[w] half\n" in r.console
    assert "block 'w' (rb.md:3) killed by SIGKILL" in r.console
    assert r.blocks()["b"]["status"] == "ok" and r.left() == []


def test_100mb_of_binary_reaches_the_log_byte_exact(tmp_path: Path) -> None:
    # The child hashes what it writes; the log must hash the same.
    body = (
        "head -c 100000000 /dev/urandom > data.bin; sha256sum data.bin | cut -c1-64 > sum;"
        " cat data.bin; rm data.bin"
    )
    runbook = "# T\n\n" + block(body, "name=bin") + block("echo after", "name=b")
    r = Run(tmp_path, runbook)
    assert r.wait(timeout=50) == 0
    digest = hashlib.sha256()
    with open(r.logs / "bin.log", "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    assert (r.logs / "bin.log").stat().st_size == 100_000_000
    assert digest.hexdigest() == (tmp_path / "sum").read_text().strip()
    assert r.log("b") == b"after\n" and r.left() == []


def test_a_million_lines_then_sigterm_loses_none(tmp_path: Path) -> None:
    body = "seq 1000000; touch written; sleep 1000"
    runbook = "# T\n\n" + block(body, "name=w async=true") + block("sleep 1000", "name=a")
    r = Run(tmp_path, runbook, grace=1.0)
    _wait_for_file(tmp_path / "written")
    expected = b"".join(b"%d\n" % i for i in range(1, 1_000_001))
    deadline = time.monotonic() + 20  # written by the child, maybe not yet read by mdrun
    while len(r.log("w")) < len(expected) and time.monotonic() < deadline:
        time.sleep(0.05)
    r.proc.send_signal(signal.SIGTERM)
    assert r.wait() == 143
    assert r.log("w") == expected
    assert r.blocks()["w"]["lines"] == 1_000_000
    assert r.left() == []


def _wait_for_children(pid: int, count: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if len(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()) >= count:
                return
        time.sleep(0.02)
    raise AssertionError(f"{pid} never had {count} children")


def _wait_for_file(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Path:
    """A 1 MiB tmpfs, mounted for the test (root and CAP_SYS_ADMIN), else skip."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_disk_filling_up_keeps_the_console_streaming_and_fails_the_run(
    tmp_path: Path, tiny_tmpfs: Path
) -> None:
    """A 1 MiB tmpfs log directory (tests/test_supervisor.py covers `ulimit -f`)."""
    runbook = "# T\n\n" + block("seq 300000; echo last", "name=a") + block("echo b", "name=b")
    r = Run(tmp_path, runbook, logs=tiny_tmpfs / "logs")
    code = r.wait()
    console = r.console
    assert r.left() == []
    assert "[a] 300000\n" in console and "[a] last\n" in console  # the console saw every line
    assert f"cannot write {tiny_tmpfs}/logs/a.log: No space left on device" in console
    assert "[b] b\n" in console  # the run went on
    assert code == 1, console[-2000:]
    assert "internal error" not in console


def test_a_read_only_log_directory_is_exit_2_before_anything_runs(tmp_path: Path) -> None:
    """Root may write to any mode, so the directory is a read-only tmpfs (else a file)."""
    target = tmp_path / "ro"
    target.mkdir()
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(target)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if not mounted:
        target.rmdir()
        target.write_text("a file where the directory should be")
    try:
        r = Run(tmp_path, "# T\n\n" + block("touch canary"), logs=target / "logs")
        assert r.wait() == 2
        assert r.console.startswith(f"mdrun: cannot use log directory {target}/logs: "), r.console
        assert not (tmp_path / "canary").exists()
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(target)], check=False)
