"""runbooks/stream-logs.md asks for what it needs: without JOB_ID it offers the cluster's jobs,
newest first; with neither JOB_ID nor RAY_ADDRESS it stops before any block starts and says
what to set. A small fake dashboard answers `GET /api/jobs/`, so no Ray is needed here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers.ontty import Terminal

ROOT = Path(__file__).resolve().parent.parent
JOBS = [
    {"submission_id": "raysubmit_old", "status": "SUCCEEDED", "start_time": 1000},
    {"submission_id": "raysubmit_new", "status": "RUNNING", "start_time": 3000},
    {"submission_id": None, "job_id": "02000000", "status": "RUNNING", "start_time": 2000},
]


class _Jobs(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        found = self.path == "/api/jobs/"
        body = json.dumps(JOBS if found else {}).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def dashboard() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jobs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    drop = ("RAY_ADDRESS", "JOB_ID", "MDRUN_PYTHON")
    base = {k: v for k, v in os.environ.items() if k not in drop}
    config = str(tmp_path / "config")
    return {**base, "NO_COLOR": "1", "TERM": "xterm", "XDG_CONFIG_HOME": config, **extra}


def _argv() -> list[str]:
    runbook = str(ROOT / "runbooks" / "stream-logs.md")
    snippets = ["--base-path", str(ROOT / "runbooks"), "--base-path", str(ROOT / "snippets")]
    return [sys.executable, "-m", "mdrun", "run", runbook, *snippets, "--log-dir", "logs"]


def test_the_jobs_subcommand_lists_ids_newest_first(dashboard: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mdrun.ray.logs", "jobs", "--address", dashboard],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["raysubmit_new", "02000000", "raysubmit_old"]


def test_with_neither_set_off_a_terminal_it_names_what_to_set(tmp_path: Path) -> None:
    done = subprocess.run(
        _argv(), cwd=tmp_path, env=_env(tmp_path), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert '"Choose the job"' in done.stderr
    assert "Ray jobs at RAY_ADDRESS" in done.stderr and "or set JOB_ID" in done.stderr
    assert not (tmp_path / "logs").exists()


def test_with_neither_set_on_a_terminal_it_says_to_set_ray_address(tmp_path: Path) -> None:
    tty = Terminal(_argv(), _env(tmp_path, MDRUN_PYTHON=sys.executable), tmp_path)
    code, screen = tty.finish()
    assert code == 2, screen
    assert "RAY_ADDRESS is not set" in screen
    assert not (tmp_path / "logs").exists()


def test_with_a_job_but_no_address_it_stops_before_any_sampler_starts(tmp_path: Path) -> None:
    done = subprocess.run(
        _argv(), cwd=tmp_path, env=_env(tmp_path, JOB_ID="raysubmit_x"),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "RAY_ADDRESS is not set" in done.stdout + done.stderr
    blocks = json.loads((tmp_path / "logs" / "run.json").read_text())["blocks"]
    started = [b["name"] for b in blocks if b["start"] is not None]
    assert started == ["choose-job", "check-ray-address"]


def test_with_an_address_and_no_job_it_offers_the_jobs_newest_first(
    tmp_path: Path, dashboard: str
) -> None:
    # No MDRUN_PYTHON: the expansion is given the interpreter running mdrun.
    env = _env(tmp_path, RAY_ADDRESS=dashboard, PATH="/usr/bin:/bin")
    tty = Terminal(_argv(), env, tmp_path)
    tty.wait_for(b"raysubmit_old")
    screen = tty.screen.decode(errors="replace")
    assert screen.index("raysubmit_new") < screen.index("02000000") < screen.index("raysubmit_old")
    assert "Choose the job" in screen
    tty.send("\x03")
    code, _ = tty.finish()
    assert code == 130
    assert not (tmp_path / "logs").exists()
