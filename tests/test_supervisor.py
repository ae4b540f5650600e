"""run_plan on real bash processes: shell state, failures, async streaming, policies, logs."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest

from mdrun.errors import UsageError
from mdrun.run.supervisor import RunOptions, run_plan
from tests.helpers.plans import plan

pytestmark = pytest.mark.timeout(30)
HELPERS = Path(__file__).parent / "helpers"


class Result:
    def __init__(self, code: int, console: bytes, logs: Path) -> None:
        self.code, self.console, self.logs = code, console, logs
        self.text = console.decode(errors="replace")

    def log(self, name: str) -> bytes:
        return (self.logs / f"{name}.log").read_bytes()

    def manifest(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.logs / "run.json").read_text())
        return data


def run(
    tmp_path: Path,
    *blocks: Any,
    skip: Collection[str] = (),
    unknown: Collection[str] = (),
    **options: Any,
) -> Result:
    logs, n = tmp_path / "logs", 2
    while logs.exists():  # one run per log directory: a test's second run gets its own
        logs, n = tmp_path / f"logs-{n}", n + 1
    out = tmp_path / "console.out"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    options.setdefault("grace", 1.0)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = run_plan(
            plan(*blocks, skip=skip, unknown=unknown),
            RunOptions(log_dir=str(logs), console_fd=fd, **options),
        )
    finally:
        os.chdir(cwd)
        os.close(fd)
    return Result(code, out.read_bytes(), logs)


def test_every_export_unset_and_cd_reaches_the_next_block(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    r = run(
        tmp_path,
        ("a", "export A=1\ncd sub\nexport B=2\n"),
        ("b", "unset A\nexport C='x y'\ncd ..\ncd sub\nexport D=$'new\\nline'\n"),
        ("c", 'echo "A=${A-unset} B=$B C=$C PWD=${PWD##*/} SHLVL=$SHLVL"; echo "$D"\n'),
    )
    assert r.code == 0, r.text
    shlvl = int(os.environ.get("SHLVL", "0")) + 1
    assert r.log("c") == f"A=unset B=2 C=x y PWD=sub SHLVL={shlvl}\nnew\nline\n".encode()
    assert b"[c] A=unset B=2" in r.console


def test_failing_block_stops_with_its_name_origin_and_exit_code(tmp_path: Path) -> None:
    r = run(tmp_path, ("a", "echo one\nfalse\necho not reached"), ("b", "echo b"))
    assert r.code == 1
    assert "block 'a' (runbook.md:10) failed with exit code 1" in r.text
    assert r.log("a") == b"one\n" and not (r.logs / "b.log").exists()
    assert [b["status"] for b in r.manifest()["blocks"]] == ["failed", "not-run"]


def test_unknown_verdicts_run_and_their_own_guard_decides(tmp_path: Path) -> None:
    body = 'if [ "$(echo yes)" = yes ]; then echo guarded-in; fi'
    r = run(tmp_path, ("u", body), ("v", "echo also"), unknown={"u", "v"})
    assert r.code == 0 and r.log("u") == b"guarded-in\n" and r.log("v") == b"also\n"


def test_exit_90_stops_successfully_and_skipped_blocks_are_reported(tmp_path: Path) -> None:
    r = run(tmp_path, ("s", "echo no"), ("a", "exit 90"), ("b", "echo no"), skip={"s"})
    assert r.code == 0
    assert (
        "skipped s: FOO is unset" in r.text and b"[b]" not in r.console and b"[s]" not in r.console
    )


def test_async_output_is_logged_byte_exact_and_shown_prefixed(tmp_path: Path) -> None:
    body = (
        "echo oops >&2; sleep 0.1; printf 'ok\\n\\377\\376bin\\000ary\\n'; printf 'tail-no-newline'"
    )
    r = run(tmp_path, ("w", body, {"is_async": True}), ("a", "sleep 0.3"))
    assert r.log("w").count(b"\n") == 3
    assert r.log("w").startswith(b"oops\nok\n\xff\xfebin\x00ary\n") and r.log("w").endswith(
        b"tail-no-newline"
    )
    assert (
        "[w] \ufffd\ufffdbinary" in r.text  # the NUL is the log's, not the console's
        and "[w]! oops" in r.text
        and "[w] tail-no-newline\n" in r.text
    )
    entry = r.manifest()["blocks"][0]
    assert entry["lines"] == 3 and entry["pid"] > 0 and entry["mode"] == "async"


def test_a_10mb_line_without_newline_reaches_the_log_whole(tmp_path: Path) -> None:
    r = run(tmp_path, ("big", "head -c 10000000 /dev/zero | tr '\\0' a"), ("b", "echo after"))
    assert r.code == 0 and len(r.log("big")) == 10_000_000
    assert r.console.count(b"a") >= 10_000_000 and b"[b] after" in r.console


def test_ready_regex_holds_the_next_sync_block(tmp_path: Path) -> None:
    srv = "sleep 0.3; touch flag; echo listening; sleep 30"
    r = run(tmp_path, ("srv", srv, {"is_async": True, "ready": "listen"}), ("a", "test -f flag"))
    assert r.code == 0, r.text
    assert r.text.index("[srv] listening") < r.text.index("srv is ready")


def test_ready_url_is_polled_until_it_answers(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = f"sleep 0.3; exec {sys.executable} -m http.server --bind 127.0.0.1 {port}"
    ready = {"is_async": True, "ready": f"http://127.0.0.1:{port}/", "ready_timeout": 10}
    r = run(tmp_path, ("srv", srv, ready), ("a", f"curl -sf http://127.0.0.1:{port}/ >/dev/null"))
    assert r.code == 0, r.text


def test_ready_timeout_and_exit_before_ready_fail_the_run(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        ("srv", "sleep 30", {"is_async": True, "ready": "x", "ready_timeout": 0.3}),
        ("a", "true"),
    )
    assert r.code == 1 and "not ready after 0.3s" in r.text
    r = run(tmp_path, ("srv", "exit 4", {"is_async": True, "ready": "x"}), ("a", "true"))
    assert r.code == 1 and "before it was ready" in r.text


def test_required_async_failure_fails_the_run(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        ("w", "sleep 0.2; exit 5", {"is_async": True, "required": True}),
        ("a", "sleep 30"),
    )
    assert r.code == 1 and "required, failed with exit code 5" in r.text


def test_restart_on_failure_stops_after_max_restarts(tmp_path: Path) -> None:
    opts = {"is_async": True, "restart": "on-failure", "max_restarts": 2}
    r = run(
        tmp_path, ("w", "echo run >> count; exit 1", opts), ("a", "sleep 2"), restart_backoff=0.05
    )
    assert r.code == 1  # still failing once out of restarts: the run fails
    assert (tmp_path / "count").read_text() == "run\n" * 3
    assert r.manifest()["blocks"][0]["restarts"] == 2
    assert "w exited with code" not in r.text and "failed (2 restarts)" in r.text


def test_timeout_terminates_the_group(tmp_path: Path) -> None:
    r = run(tmp_path, ("a", "sleep 30 & sleep 30", {"timeout": 0.3}), grace=0.3)
    assert r.code == 1 and "timed out" in r.text


def test_cleanup_runs_after_failure_with_the_final_state(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        ("c", 'echo "cleaning $T"', {"cleanup": True}),
        ("a", "export T=42; false"),
        ("b", "echo never"),
    )
    assert r.code == 1 and r.log("c") == b"cleaning 42\n"


def test_keep_going_runs_on_but_exits_1(tmp_path: Path) -> None:
    r = run(tmp_path, ("a", "exit 2"), ("b", "echo b"), keep_going=True)
    assert r.code == 1 and r.log("b") == b"b\n"


def test_every_line_of_a_sync_block_is_drained(tmp_path: Path) -> None:
    r = run(tmp_path, ("a", "seq 200000"), ("b", "true"))
    assert r.log("a") == b"".join(b"%d\n" % i for i in range(1, 200001))
    assert r.manifest()["blocks"][0]["lines"] == 200000


def test_pty_streams_a_block_buffering_child(tmp_path: Path) -> None:
    child = f"env -u PYTHONUNBUFFERED {sys.executable} {HELPERS / 'buffered_child.py'} 5"
    opts = {"is_async": True, "ready": "^first", "ready_timeout": 1.5}
    piped = run(tmp_path, ("c", child, opts), ("a", "true"))
    assert piped.code == 1 and "not ready" in piped.text
    r = run(tmp_path, ("c", child, {**opts, "pty": True}), ("a", "true"))
    assert r.code == 0, r.text
    assert r.log("c") == b"first\n"


def test_log_dir_is_private_and_an_unwritable_one_is_a_usage_error(tmp_path: Path) -> None:
    r = run(tmp_path, ("a", "true"))
    assert stat.S_IMODE(r.logs.stat().st_mode) == 0o700
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="cannot use log directory"):
        run_plan(plan(("a", "true")), RunOptions(log_dir=str(tmp_path / "file" / "x")))


def test_a_full_disk_keeps_the_console_streaming_and_fails_the_run(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    logs = tmp_path / "logs"
    spec.write_text(
        json.dumps({"blocks": [["a", "seq 100000"]], "options": {"log_dir": str(logs)}})
    )
    code = (
        "import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (100000, 100000));"
        "sys.argv = ['runplan', sys.argv[1]]; runpy.run_module('tests.helpers.runplan', run_name='__main__')"
    )
    cwd = Path(__file__).parent.parent
    p = subprocess.run(
        [sys.executable, "-c", code, str(spec)],
        check=False,
        cwd=cwd,
        capture_output=True,
        timeout=20,
    )
    out = p.stdout.decode()
    assert p.returncode == 1, p.stderr
    assert "[a] 100000\n" in out and "File too large" in out
    assert (logs / "a.log").stat().st_size == 100000
    assert "File too large" in (logs / "run.json").read_text()


def test_live_area_draws_status_lines_and_no_color_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("API_TOKEN", "hunter22")
    body = 'for i in 1 2 3 4 5 6; do echo "line $i $API_TOKEN"; sleep 0.1; done; sleep 30'
    r = run(tmp_path, ("w", body, {"is_async": True}), ("a", "sleep 0.8"), live=True)
    assert r.code == 0
    assert "● w running" in r.text and "lines" in r.text
    assert re.search(
        r"line \d \*\*\*", r.text
    )  # the status line redacts secrets; the log stays raw
    assert b"\x1b[3" not in r.console  # no colour codes (cursor movement only)
    assert b"line 6 hunter22\n" in r.log("w")
    assert "mdrun summary" in r.text


def test_a_partial_line_then_death_is_kept_and_reported(tmp_path: Path) -> None:
    r = run(tmp_path, ("a", "printf 'half a line'; kill -9 $$"), ("b", "echo never"))
    assert r.code == 1 and r.log("a") == b"half a line"
    assert "[a] half a line\n" in r.text and "killed by SIGKILL" in r.text


def test_a_child_closing_its_output_but_running_on_is_waited_for(tmp_path: Path) -> None:
    r = run(tmp_path, ("a", "echo bye; exec >&- 2>&-; sleep 0.5; exit 3"))
    assert r.code == 1 and r.log("a") == b"bye\n" and "exit code 3" in r.text


def test_cleanup_sees_a_daemon_the_run_started_and_the_sweep_stops_it(tmp_path: Path) -> None:
    # `ray start` daemonizes; `ray stop` in a finally block must still find it running.
    r = run(
        tmp_path,
        ("stop", 'kill -0 "$(cat daemon.pid)" && echo alive-at-cleanup', {"cleanup": True}),
        ("start", "setsid sleep 300 >/dev/null 2>&1 < /dev/null & echo $! > daemon.pid"),
        ("main", "echo done"),
    )
    assert r.code == 0, r.text
    assert r.log("stop") == b"alive-at-cleanup\n"
    pid = int((tmp_path / "daemon.pid").read_text())
    state = Path(f"/proc/{pid}/stat")
    assert not state.exists() or state.read_text().split(") ")[1].startswith("Z")


def test_when_is_checked_at_run_time_for_unknown_verdicts(tmp_path: Path) -> None:
    # Planning could not decide (a command substitution before); the run must not guess "run".
    r = run(
        tmp_path,
        ("set", "export ON=$(echo 1)"),
        ("yes", "echo ran-yes", {"when": '[ -n "$ON" ]'}),
        ("no", "echo ran-no", {"when": '[ -n "$NOPE" ]'}),
        unknown={"yes", "no"},
    )
    assert r.code == 0, r.text
    assert r.log("yes") == b"ran-yes\n"
    assert b"ran-no" not in r.console
    statuses = {b["name"]: b["status"] for b in r.manifest()["blocks"]}
    assert statuses["no"] == "skipped", statuses


def test_an_async_block_skipped_at_run_time_holds_nothing_back(tmp_path: Path) -> None:
    opts = {"is_async": True, "when": '[ -n "$NOPE" ]', "ready": "^never", "ready_timeout": 20}
    r = run(tmp_path, ("w", "sleep 30", opts), ("after", "echo after"), unknown={"w"})
    assert r.code == 0, r.text
    assert r.log("after") == b"after\n"
