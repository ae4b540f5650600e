"""`mdrun.ray.logs` against a STAND-IN Ray dashboard (an http.server in this process).

The stand-in serves the three endpoints the follower uses, shaped as Ray 2.60 serves them:
`GET /api/jobs/{id}` (status, driver_node_id), `GET /api/jobs/{id}/logs` ({"logs": ...}) and
the State API's `GET /api/v0/logs/stream`, which, like Ray's, never ends by itself. The real
thing is exercised by tests/test_runbooks_e2e.py and bench/bench_raylag.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest

from mdrun.ray.dashboard import follow_stream, wait_terminal

pytestmark = pytest.mark.timeout(60)

JOB = "raysubmit_standin"


class Dashboard:
    """What the stand-in serves: a job whose log grows line by line, then ends."""

    def __init__(self, lines: list[bytes], period: float, break_after: int | None = None) -> None:
        self.lines, self.period, self.break_after = lines, period, break_after
        self.printed = 0
        self.driver: str | None = "node-1"
        self.final = "SUCCEEDED"
        self.queries: list[dict[str, list[str]]] = []
        self.started = time.monotonic()

    def tick(self) -> None:
        """Advance the job's output with the clock."""
        due = int((time.monotonic() - self.started) / self.period) if self.period else 10**9
        self.printed = min(len(self.lines), due)

    def status(self) -> str:
        self.tick()
        return self.final if self.printed == len(self.lines) else "RUNNING"

    def log(self) -> bytes:
        self.tick()
        return b"".join(self.lines[: self.printed])


def handler(dash: Dashboard) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep pytest's output clean

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == f"/api/jobs/{JOB}":
                info = {"submission_id": JOB, "status": dash.status()}
                self.reply(json.dumps({**info, "driver_node_id": dash.driver}).encode())
            elif url.path == f"/api/jobs/{JOB}/logs":
                self.reply(json.dumps({"logs": dash.log().decode()}).encode())
            elif url.path == "/api/v0/logs/stream":
                dash.queries.append(parse_qs(url.query))
                self.stream()
            else:
                self.send_error(404)

        def reply(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def stream(self) -> None:
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            sent = 0
            try:
                while True:  # like Ray's: it follows the file until the client goes away
                    dash.tick()
                    if dash.break_after is not None and sent >= dash.break_after:
                        self.wfile.write(b"0\r\n\r\n")  # this stream ends early
                        return
                    end = min(dash.printed, dash.break_after or len(dash.lines))
                    for line in dash.lines[sent:end]:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                        sent += 1
                    self.wfile.flush()
                    time.sleep(0.02)
            except OSError:
                return

    return Handler


Serve = Callable[[Dashboard], str]
"""Starts a stand-in dashboard for a job; returns its address."""


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[ThreadingHTTPServer] = []

    def start(dash: Dashboard) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler(dash))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def numbered(n: int) -> list[bytes]:
    return [f"line {i}\n".encode() for i in range(n)]


def test_follow_writes_every_line_in_order_and_returns_when_the_job_ends(serve: Serve) -> None:
    dash = Dashboard(numbered(20), period=0.02)
    out = BytesIO()
    assert follow_stream(serve(dash), JOB, out, interval=0.1, timeout=5) == len(dash.log())
    assert out.getvalue() == b"".join(dash.lines)
    (query,) = dash.queries
    assert query == {
        "submission_id": [JOB],
        "node_id": ["node-1"],
        "lines": ["-1"],
        "interval": ["0.1"],
    }


def test_lines_arrive_while_the_job_still_runs(serve: Serve) -> None:
    dash = Dashboard(numbered(3), period=5.0)  # a line now, the next in 5 s
    dash.started -= 5.0
    cli = [sys.executable, "-m", "mdrun.ray.logs", "follow", "--address", serve(dash)]
    proc = subprocess.Popen([*cli, "--job", JOB], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"line 0\n"
        assert dash.printed == 1 and dash.status() == "RUNNING"
    finally:
        proc.kill()
        proc.wait()


def test_a_stream_that_breaks_off_is_completed_from_the_whole_log(serve: Serve) -> None:
    dash = Dashboard(numbered(10), period=0.01, break_after=4)
    out = BytesIO()
    follow_stream(serve(dash), JOB, out, interval=0.1, timeout=5)
    assert out.getvalue() == b"".join(dash.lines)


def test_a_job_that_ended_before_its_driver_started_shows_its_log(serve: Serve) -> None:
    dash = Dashboard([b"runtime env setup failed\n"], period=0)
    dash.driver, dash.final = None, "FAILED"
    out = BytesIO()
    follow_stream(serve(dash), JOB, out, timeout=5)
    assert out.getvalue() == b"runtime env setup failed\n"
    assert dash.queries == []


def test_wait_prints_the_final_status_and_fails_with_the_job(serve: Serve) -> None:
    dash = Dashboard(numbered(2), period=0.05)
    dash.final = "FAILED"
    address = serve(dash)
    assert wait_terminal(address, JOB, timeout=5, interval=0.05) == "FAILED"
    cli = [sys.executable, "-m", "mdrun.ray.logs", "wait", "--address", address, "--job", JOB]
    proc = subprocess.run(cli, capture_output=True, text=True, timeout=30, check=False)
    assert (proc.returncode, proc.stdout) == (1, "FAILED\n")


def test_wait_gives_up_after_its_timeout(serve: Serve) -> None:
    address = serve(Dashboard(numbered(2), period=60))
    cli = [sys.executable, "-m", "mdrun.ray.logs", "wait", "--address", address, "--job", JOB]
    proc = subprocess.run([*cli, "--timeout", "0.5"], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "not finished after 0.5s" in proc.stderr


def test_an_unknown_job_is_an_error_not_a_hang(serve: Serve) -> None:
    address = serve(Dashboard(numbered(1), period=0))
    cli = [sys.executable, "-m", "mdrun.ray.logs", "follow", "--address", address]
    proc = subprocess.run(
        [*cli, "--job", "nope", "--timeout", "0.5"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert "no running driver" in proc.stderr
