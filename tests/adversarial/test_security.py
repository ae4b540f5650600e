"""Security: dry runs execute nothing, URLs stay off unless asked, secrets stay out of what
others can see (renders, run.json, the status line, process command lines).

tests/test_render_canaries.py already covers guards, bodies, includes, env files, inputs and
include paths for `plan` (every format), `run --dry-run --format sh` and `check`; this file adds
imports (a `.md` and a `.sh`), `list`, `expand` and every `run --dry-run` format.
"""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import sys
import time
from pathlib import Path

import pytest

from mdrun.errors import IncludeError
from mdrun.load.loader import load_document
from mdrun.model import LoadOptions
from mdrun.run.watchdog import run_pids
from tests.adversarial.runner import Run, block
from tests.conftest import run_mdrun
from tests.helpers.ontty import run_on_tty

pytestmark = pytest.mark.timeout(120)


def _env() -> dict[str, str]:
    """This environment, uncoloured, with relative log directories."""
    return {**os.environ, "NO_COLOR": "1", "MDRUN_LOG_DIR": "logs"}


def _importing_runbook(root: Path) -> None:
    c = root / "canary"
    (root / "lib.md").write_text(
        f"# Lib\n\n```bash {{name=lib}}\ntouch {c}-lib\nexport L=$(touch {c}-lib-export)\n```\n"
    )
    (root / "setup.sh").write_text(
        f'touch {c}-sh\nexport S="$(touch {c}-sh-export)"\nif [ "`touch {c}-sh-guard`" ]; then :; fi\n'
    )
    (root / "rb.md").write_text(
        "---\nimports: [lib, setup.sh]\n---\n# Main\n\n"
        f"```bash {{name=main when='[ -n \"$(touch {c}-when)\" ]'}}\necho $L $S\n```\n"
    )


DRY = [
    ["list"], ["expand"], ["check"],
    *(["plan", "--format", f] for f in ("text", "markdown", "json", "sh")),
    *(["run", "--dry-run", "--format", f] for f in ("text", "markdown", "json", "sh")),
]  # fmt: skip


@pytest.mark.parametrize("command", DRY, ids=lambda c: "-".join(c).replace("--", ""))
def test_dry_runs_execute_nothing_from_imports(tmp_path: Path, command: list[str]) -> None:
    _importing_runbook(tmp_path)
    p = run_mdrun(*command, "rb.md", cwd=tmp_path, env=_env())
    assert p.returncode in (0, 1), p.stderr  # check exits 1 when it finds something
    assert "Traceback" not in p.stderr
    # check: findings, or (no shellcheck, nothing mdrun's own lint finds) its note on stderr.
    assert p.stdout or (command == ["check"] and "shellcheck is not installed" in p.stderr)
    assert sorted(x.name for x in tmp_path.iterdir() if x.name.startswith("canary")) == []
    assert not (tmp_path / "logs").exists()


def test_the_import_canaries_are_live(tmp_path: Path) -> None:
    """Control: a real run touches them, so the test above can fail."""
    _importing_runbook(tmp_path)
    p = run_mdrun("run", "rb.md", cwd=tmp_path, env=_env())
    assert p.returncode == 0, p.stdout + p.stderr
    touched = {x.name for x in tmp_path.iterdir() if x.name.startswith("canary")}
    assert {"canary-lib", "canary-lib-export", "canary-sh", "canary-sh-export"} <= touched


@pytest.fixture
def listener() -> socket.socket:
    """A TCP socket that accepts and never answers (counts connection attempts)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def _connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def test_url_includes_are_off_unless_asked_not_even_a_connection(
    tmp_path: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    (tmp_path / "rb.md").write_text(f'# T\n\n--8<-- "https://127.0.0.1:{port}/a.md"\n')
    for command in (["plan"], ["check"], ["expand"], ["run"]):
        p = run_mdrun(*command, "rb.md", cwd=tmp_path, env=_env())
        assert p.returncode in (1, 2), p.stderr
        assert "rb.md:3: " in p.stdout + p.stderr and "--allow-url" in p.stdout + p.stderr
    assert _connections(listener) == 0


def _url_importing_runbook(root: Path, port: int) -> str:
    url = f"https://127.0.0.1:{port}/lib.md"
    (root / "rb.md").write_text(
        f"---\nimports:\n  - {url}\n---\n# Main\n\n"
        '```bash\nif [ -n "${FROM_LIB-}" ]; then echo "$FROM_LIB"; fi\n```\n'
    )
    return url


def test_url_imports_are_shown_unfetched_by_plan_and_refused_by_run(
    tmp_path: Path, listener: socket.socket
) -> None:
    url = _url_importing_runbook(tmp_path, listener.getsockname()[1])
    text = run_mdrun("plan", "rb.md", cwd=tmp_path, env=_env())
    assert text.returncode == 0, text.stderr
    assert f"not fetched: import {url} at rb.md:3;" in text.stdout
    assert "--allow-url fetches it" in text.stdout
    assert f"FROM_LIB may have been changed by the import of {url}" in text.stdout
    for command in (["plan", "--format", "json"], ["list", "--format", "json"]):
        shown = run_mdrun(*command, "rb.md", cwd=tmp_path, env=_env())
        (node,) = json.loads(shown.stdout)["unfetched_imports"]
        assert node["url"] == url and node["origin"] == [{"path": "rb.md", "line": 3}]
    strict = run_mdrun("plan", "--fail-on-unknown", "rb.md", cwd=tmp_path, env=_env())
    assert strict.returncode == 1 and f"rb.md:3: MD008: {url} was not fetched" in strict.stdout
    checked = run_mdrun("check", "rb.md", cwd=tmp_path, env=_env())
    assert f"mdrun: not checked: {url} (imported at rb.md:3)" in checked.stderr
    for command in (["run"], ["plan", "--format", "sh"], ["expand"]):
        refused = run_mdrun(*command, "rb.md", cwd=tmp_path, env=_env())
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert refused.stderr.startswith(f"rb.md:3: URL imports need --allow-url: {url}")
    assert _connections(listener) == 0
    assert not (tmp_path / "logs").exists()


def test_the_url_import_canary_is_live(tmp_path: Path, listener: socket.socket) -> None:
    """Control: with --allow-url the listener sees the fetch, so the test above can fail."""
    _url_importing_runbook(tmp_path, listener.getsockname()[1])
    with pytest.raises(IncludeError):
        load_document(str(tmp_path / "rb.md"), LoadOptions(allow_url=True, url_timeout=0.5))
    assert _connections(listener) >= 1


@pytest.mark.parametrize("url", ["file:///etc/hostname", "FILE:///etc/hostname", "ftp://x/a"])
def test_only_https_urls_even_with_the_flag(tmp_path: Path, url: str) -> None:
    (tmp_path / "rb.md").write_text(f'# T\n\n--8<-- "{url}"\n')
    p = run_mdrun("expand", "--allow-url", "rb.md", cwd=tmp_path, env=_env())
    assert p.returncode == 2 and p.stderr.startswith("rb.md:3: "), p.stderr
    assert Path("/etc/hostname").read_text().strip() not in p.stdout


def test_a_url_that_never_answers_is_cut_off_by_the_timeout(
    tmp_path: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    (tmp_path / "rb.md").write_text(f'# T\n--8<-- "https://127.0.0.1:{port}/slow.md"\n')
    options = LoadOptions(allow_url=True, url_timeout=1.0)
    start = time.monotonic()
    with pytest.raises(IncludeError) as info:
        load_document(str(tmp_path / "rb.md"), options)
    assert time.monotonic() - start < 5
    assert str(info.value.location).endswith("rb.md:2")


SECRET = "hunter2-5ecr3t"


def test_secrets_are_redacted_in_every_render_and_run_json_and_logs_stay_raw(
    tmp_path: Path,
) -> None:
    runbook = "# T\n\n" + block('echo "token=$API_TOKEN"', "name=show")
    (tmp_path / "rb.md").write_text(runbook)
    for fmt in ("text", "markdown", "json", "sh"):
        p = run_mdrun(
            "plan", "--format", fmt, "-e", f"API_TOKEN={SECRET}", "rb.md", cwd=tmp_path, env=_env()
        )
        assert p.returncode == 0 and "API_TOKEN" in p.stdout, p.stderr
        assert SECRET not in p.stdout + p.stderr, fmt
    shown = run_mdrun(
        "plan", "--show-secrets", "-e", f"API_TOKEN={SECRET}", "rb.md", cwd=tmp_path, env=_env()
    )
    assert SECRET in shown.stdout  # control: the value was there to redact
    r = Run(tmp_path, runbook, "-e", f"API_TOKEN={SECRET}")
    assert r.wait() == 0
    assert SECRET not in (r.logs / "run.json").read_text()
    assert r.log("show") == f"token={SECRET}\n".encode()  # the user's raw data
    assert stat.S_IMODE(r.logs.stat().st_mode) == 0o700
    assert stat.S_IMODE((r.logs / "show.log").stat().st_mode) == 0o600
    assert stat.S_IMODE((r.logs / "run.json").stat().st_mode) == 0o600


def test_the_default_log_directory_is_private(tmp_path: Path) -> None:
    (tmp_path / "rb.md").write_text("# T\n\n" + block("echo hi"))
    env = {k: v for k, v in os.environ.items() if k != "MDRUN_LOG_DIR"}
    p = run_mdrun("run", "rb.md", cwd=tmp_path, env=env)
    assert p.returncode == 0, p.stderr
    (run_dir,) = (tmp_path / ".mdrun" / "runs").iterdir()
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700


def test_the_status_line_on_a_terminal_redacts_secrets(tmp_path: Path) -> None:
    runbook = "# T\n\n" + block(
        'for i in 1 2 3 4 5; do echo "step $i $API_TOKEN"; sleep 0.2; done; sleep 30',
        "name=w async=true",
    ) + block("sleep 1.5", "name=a")  # fmt: skip
    (tmp_path / "rb.md").write_text(runbook)
    argv = [sys.executable, "-m", "mdrun", "run", "rb.md", "--log-dir", "logs", "--grace", "1"]
    code, out = run_on_tty(argv, tmp_path, {**os.environ, "API_TOKEN": SECRET, "NO_COLOR": "1"})
    assert code == 0
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode(errors="replace"))
    status_lines = [line for line in re.split(r"[\r\n]", plain) if "●" in line]
    assert any("step" in line and "***" in line for line in status_lines), status_lines
    assert not any(SECRET in line for line in status_lines)
    assert f"step 5 {SECRET}".encode() in (tmp_path / "logs" / "w.log").read_bytes()


def _cmdlines_with(value: str, pids: list[int]) -> list[str]:
    found = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                line = f.read()
        except OSError:
            continue
        if value.encode() in line:
            found.append(f"{pid}: " + line.replace(b"\0", b" ").decode(errors="replace"))
    return found


def _run_with_secret(tmp_path: Path) -> tuple[Run, list[int]]:
    runbook = (
        "# T\n\n"
        + block("sleep 30", "name=w async=true")
        + block('sleep 1; test -n "$SECRET_TOKEN"', "name=a")
    )
    r = Run(tmp_path, runbook, "-e", f"SECRET_TOKEN={SECRET}")
    r.started()
    deadline = time.monotonic() + 10
    while len(pids := run_pids(r.run_id)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    return r, pids


def test_children_command_lines_do_not_show_e_values(tmp_path: Path) -> None:
    r, pids = _run_with_secret(tmp_path)
    assert len(pids) >= 2  # the async block and the sync one are running
    assert _cmdlines_with(SECRET, pids) == []
    assert r.wait() == 0  # and the sync block did see the value
    assert r.left() == []


def test_mdruns_own_command_line_does_not_show_e_values(tmp_path: Path) -> None:
    r, _ = _run_with_secret(tmp_path)
    try:
        assert _cmdlines_with(SECRET, [r.proc.pid]) == []
    finally:
        r.wait()
