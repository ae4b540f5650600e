"""How live each way of following a Ray job's logs is, on a real local Ray head.

One job prints numbered lines carrying the time they were printed; every follower reads the
same job at the same time, and each line's lag is its arrival time in the bench minus that
timestamp (same host, same clock). Needs the `[ray]` extra; without Ray it returns no rows.

Paths: `ray job logs -f` with stdout a pipe (as a user's shell runs it, PYTHONUNBUFFERED
unset), the same under a pseudo-terminal, Ray's own `JobSubmissionClient.tail_job_logs`, the
Jobs API websocket `/logs/tail` read with the `websockets` client (`mdrun.ray.logs --via ws`),
`ray logs job --follow` (the State API CLI), and the State API stream with a 0.1 s interval
(`mdrun.ray.logs`, the runbooks' choice).
"""

from __future__ import annotations

import importlib.util
import json
import os
import pty
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

LINE = re.compile(rb"^LAG (\d+) ([0-9.]+)\r?$")
SDK_FOLLOWER = """
import asyncio, sys
from ray.job_submission import JobSubmissionClient
async def main():
    async for chunk in JobSubmissionClient(sys.argv[1]).tail_job_logs(sys.argv[2]):
        sys.stdout.write(chunk); sys.stdout.flush()
asyncio.run(main())
"""
CHOSEN = "mdrun-stream"


@dataclass
class Follower:
    """One way of following the job, and what it received: (arrival time, line) pairs."""

    name: str
    argv: list[str]
    use_pty: bool = False
    unbuffered: bool = False
    lines: list[tuple[float, bytes]] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    thread: threading.Thread | None = None


def ray_bin() -> str | None:
    """The `ray` CLI beside this interpreter, else on PATH; None when Ray is not installed."""
    if importlib.util.find_spec("ray") is None:
        return None
    beside = Path(sys.executable).parent / "ray"
    return str(beside) if beside.exists() else shutil.which("ray")


def free_ports(n: int) -> list[int]:
    """`n` distinct loopback ports that were free a moment ago."""
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


# Without it Ray on Linux swaps 127.0.0.1 for the host's address and listens there too
# (ray._private.services.resolve_ip_for_localhost); with it, everything stays on loopback.
LOOPBACK_ONLY = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


def start_head(ray: str, temp_dir: str) -> tuple[str, str]:
    """Start a loopback-only head; return the dashboard URL and the GCS address."""
    gcs, dash, client, agent = free_ports(4)
    subprocess.run(
        [ray, "start", "--head", "--node-ip-address", "127.0.0.1", "--dashboard-host",
         "127.0.0.1", "--disable-usage-stats", "--port", str(gcs), "--dashboard-port",
         str(dash), "--ray-client-server-port", str(client), "--dashboard-agent-listen-port",
         str(agent), "--num-cpus", "2", "--object-store-memory", "200000000",
         "--temp-dir", temp_dir],
        check=True, capture_output=True, env={**os.environ, **LOOPBACK_ONLY},
    )  # fmt: skip
    return f"http://127.0.0.1:{dash}", f"127.0.0.1:{gcs}"


def submit(address: str, lines: int, period: float, warmup: float) -> str:
    """Submit the numbered-line job through the REST API; return its submission id."""
    code = (
        f"import time\ntime.sleep({warmup})\nfor i in range({lines}):\n"
        f"    print('LAG', i, repr(time.time()), flush=True)\n    time.sleep({period})\n"
    )
    body = json.dumps({"entrypoint": f"python -c {shlex.quote(code)}"}).encode()
    request = urllib.request.Request(
        f"{address}/api/jobs/", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.loads(response.read())["submission_id"])


def followers(ray: str, address: str, gcs: str, job: str) -> list[Follower]:
    """Every path measured, in the order of the report."""
    py, logs = sys.executable, [ray, "job", "logs", "-f", "--address", address, job]
    raylogs = [py, "-m", "mdrun.ray.logs", "follow", "--address", address, "--job", job]
    return [
        Follower("ray-job-logs-pipe", logs),
        Follower("ray-job-logs-pipe-unbuffered", logs, unbuffered=True),
        Follower("ray-job-logs-pty", logs, use_pty=True),
        Follower("ray-sdk-tail", [py, "-c", SDK_FOLLOWER, address, job], unbuffered=True),
        Follower("mdrun-ws", [*raylogs, "--via", "ws"]),
        # It fails at once while the job's driver has not started: retry until it runs.
        Follower("ray-logs-job-follow", ["sh", "-c", 'until "$0" "$@"; do sleep 1; done', ray,
                 "logs", "job", "--id", job, "--follow", "--address", gcs, "--tail", "-1"],
                 use_pty=True),
        Follower(CHOSEN, raylogs),
    ]  # fmt: skip


def start(f: Follower) -> None:
    """Start the follower with its stdout on a pipe or a pty, and a thread timestamping lines."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if f.unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    if f.use_pty:
        master, slave = pty.openpty()
        f.proc = subprocess.Popen(f.argv, stdout=slave, stderr=subprocess.DEVNULL, env=env)
        os.close(slave)
        fd = master
    else:
        f.proc = subprocess.Popen(
            f.argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
        assert f.proc.stdout is not None
        fd = f.proc.stdout.fileno()
    f.thread = threading.Thread(target=_read, args=(fd, f.lines), daemon=True)
    f.thread.start()


def _read(fd: int, sink: list[tuple[float, bytes]]) -> None:
    buffer = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # a pty's master reads EIO once the child has gone
            return
        if not chunk:
            return
        now = time.time()
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        sink.extend((now, line) for line in complete)


def lags(f: Follower) -> dict[int, float]:
    """Each numbered line's lag in seconds, at its first arrival."""
    seen: dict[int, float] = {}
    for arrived, line in f.lines:
        m = LINE.match(line)
        if m and int(m.group(1)) not in seen:
            seen[int(m.group(1))] = arrived - float(m.group(2))
    return seen


def measure(lines: int, period: float) -> list[tuple[str, dict[int, float]]]:
    """Run one job with every follower attached; each line's lag, per follower."""
    ray = ray_bin()
    assert ray is not None
    temp_dir = tempfile.mkdtemp(prefix="mdrun-raylag-")
    try:
        address, gcs = start_head(ray, temp_dir)
        job = submit(address, lines, period, warmup=8.0)
        fs = followers(ray, address, gcs, job)
        for f in fs:
            start(f)
        deadline = time.monotonic() + 8.0 + lines * period + 30.0
        for f in fs:
            _finish(f, lines, deadline)
        return [(f.name, lags(f)) for f in fs]
    finally:
        subprocess.run([ray, "stop", "--force"], capture_output=True, check=False)
        shutil.rmtree(temp_dir, ignore_errors=True)


def _finish(f: Follower, count: int, deadline: float) -> None:
    """Wait until the follower exits or has every line (`ray logs job -f` never exits)."""
    assert f.proc is not None and f.thread is not None
    while f.proc.poll() is None and len(lags(f)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    if f.proc.poll() is None:
        f.proc.terminate()
        f.proc.wait(5)
    f.thread.join(5)


def run(quick: bool = False) -> list[dict[str, object]]:
    """One row per path: its median lag against the best path's."""
    if ray_bin() is None:
        print(
            "bench_raylag: Ray is not installed (pip install -e '.[ray]'): skipped", file=sys.stderr
        )
        return []
    count, period = (40, 0.25) if quick else (120, 0.25)
    results = measure(count, period)
    medians = [statistics.median(seen.values()) for _, seen in results if seen]
    best = min(medians, default=1.0)
    return [_row(name, seen, count, best) for name, seen in results]


def _row(name: str, seen: dict[int, float], count: int, best: float) -> dict[str, object]:
    values = sorted(seen.values())
    if not values:  # JSON has no NaN: a path that delivered nothing has no figures
        return {**_row(name, {0: float("inf")}, count, best), "subject_s": None, "ratio": None,
                "passed": False, "detail": f"0/{count} lines"}  # fmt: skip
    median = statistics.median(values)
    p95 = values[int(0.95 * (len(values) - 1))]
    missing = [i for i in range(count) if i not in seen]
    chosen = name == CHOSEN
    gaps = f", missing lines {missing[0]}..{missing[-1]}" if missing else ""
    return {
        "name": name,
        "what": f"lag from a Ray job printing a line to its arrival, following with {name}",
        "baseline": "the best path's median lag in the same run, on the same job",
        "subject_s": round(median, 4),
        "baseline_s": round(best, 4),
        "ratio": round(median / best, 2),
        "target": "lowest median lag, every line" if chosen else "every line (informational)",
        "passed": not missing and (median <= best if chosen else True),
        "detail": f"p95 {p95:.3f} s, max {values[-1]:.3f} s, {len(seen)}/{count} lines{gaps}",
    }


if __name__ == "__main__":
    for result in run(quick="--quick" in sys.argv):
        print(json.dumps(result))
