"""The Ray dashboard's HTTP side for `mdrun.ray.logs`: job status and the State API log stream.

Standard library only, so that following a job starts in tens of milliseconds.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import BinaryIO

TERMINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "STOPPED"})
"""Ray job statuses after which the job writes nothing more."""

EXIT_FAILED = 1
"""Exit code when the job cannot be reached, did not finish, or ended in a failure status."""

STATUS_POLL_S = 0.5
"""How often the job's status is polled while its log is being streamed."""

DRAIN_TIMEOUT_S = 10.0
"""After the job ended, how long to wait for the stream to deliver the log's last bytes."""


def _get_json(url: str, timeout: float = 5.0) -> object:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def job_info(address: str, job_id: str) -> dict[str, object] | None:
    """`GET /api/jobs/{id}` as a dict, or None when the dashboard does not know the job (yet)."""
    try:
        data = _get_json(f"{address.rstrip('/')}/api/jobs/{job_id}")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise
    return data if isinstance(data, dict) else None


def job_ids(address: str) -> list[str]:
    """The submission ids of the cluster's jobs (`GET /api/jobs/`), newest first."""
    data = _get_json(f"{address.rstrip('/')}/api/jobs/")
    jobs = [j for j in data if isinstance(j, dict)] if isinstance(data, list) else []
    jobs.sort(key=lambda j: j.get("start_time") or 0, reverse=True)
    return [str(j.get("submission_id") or j.get("job_id")) for j in jobs]


def job_logs(address: str, job_id: str) -> bytes:
    """The job's whole log so far (`GET /api/jobs/{id}/logs`), UTF-8 encoded."""
    data = _get_json(f"{address.rstrip('/')}/api/jobs/{job_id}/logs", timeout=30.0)
    logs = data.get("logs", "") if isinstance(data, dict) else ""
    return str(logs).encode()


def _job_info_if_up(address: str, job_id: str) -> dict[str, object] | None:
    """`job_info`, or None while the dashboard does not answer: it may be restarting, and the
    callers keep polling until a deadline."""
    try:
        return job_info(address, job_id)
    except OSError:
        return None


def _status(address: str, job_id: str) -> str | None:
    info = _job_info_if_up(address, job_id)
    return str(info.get("status")) if info else None


def wait_terminal(
    address: str,
    job_id: str,
    timeout: float,
    interval: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """Poll the job until its status is terminal; return it, or None after `timeout` seconds."""
    deadline = clock() + timeout
    while (status := _status(address, job_id)) not in TERMINAL_STATUSES:
        if clock() >= deadline:
            return None
        sleep(interval)
    return status


def _driver_node(address: str, job_id: str, timeout: float) -> str | None:
    """The node running the job's driver, once known; None if the job ended without one."""
    deadline = time.monotonic() + timeout
    while True:
        info = _job_info_if_up(address, job_id)
        if info and info.get("driver_node_id"):
            return str(info["driver_node_id"])
        if info and info.get("status") in TERMINAL_STATUSES:
            return None
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"job {job_id} has no running driver at {address} after {timeout:g}s"
            )
        time.sleep(0.2)


class _Pump(threading.Thread):
    """Copies a streaming HTTP response to `out` chunk by chunk, as the bytes arrive."""

    def __init__(self, response: http.client.HTTPResponse, out: BinaryIO) -> None:
        super().__init__(name="mdrun-raylogs-pump", daemon=True)
        self.response, self.out, self.total = response, out, 0

    def run(self) -> None:
        try:
            while chunk := self.response.read1(65536):
                self.out.write(chunk)
                self.out.flush()
                self.total += len(chunk)
        except (OSError, ValueError, http.client.HTTPException):
            pass  # the socket was shut down on purpose once the job's log was complete


def _open_stream(
    address: str, job_id: str, node_id: str, interval: float
) -> tuple[http.client.HTTPResponse, socket.socket]:
    parts = urllib.parse.urlsplit(address if "://" in address else f"http://{address}")
    query = urllib.parse.urlencode(
        {"submission_id": job_id, "node_id": node_id, "lines": -1, "interval": interval}
    )
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.netloc, timeout=30)
    conn.request("GET", f"{parts.path.rstrip('/')}/api/v0/logs/stream?{query}")
    sock = conn.sock  # kept: shutting it down is what stops the reader thread
    response = conn.getresponse()
    if response.status != 200 or sock is None:
        raise ConnectionError(f"log stream for {job_id}: HTTP {response.status} {response.reason}")
    sock.settimeout(None)  # a quiet job may print nothing for minutes
    return response, sock


def follow_stream(
    address: str, job_id: str, out: BinaryIO, interval: float = 0.1, timeout: float = 60.0
) -> int:
    """Write the job's log to `out` as it grows, until the job ended and all of it was written.

    Returns the number of bytes written. Ends at most `STATUS_POLL_S` after the job ends, plus
    the time the stream needs to deliver the rest (bounded by `DRAIN_TIMEOUT_S`).
    """
    node_id = _driver_node(address, job_id, timeout)
    if node_id is None:  # ended before its driver started: the log holds the reason
        logs = job_logs(address, job_id)
        out.write(logs)
        out.flush()
        return len(logs)
    response, sock = _open_stream(address, job_id, node_id, interval)
    pump = _Pump(response, out)
    pump.start()
    _wait_end(address, job_id, pump, timeout)
    expected = job_logs(address, job_id)
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while pump.is_alive() and pump.total < len(expected) and time.monotonic() < deadline:
        pump.join(0.05)
    sock.shutdown(socket.SHUT_RDWR)
    pump.join(2.0)
    if pump.total < len(expected):  # the stream broke off early: the rest, late but complete
        out.write(expected[pump.total :])
        out.flush()
    return max(pump.total, len(expected))


def _wait_end(address: str, job_id: str, pump: _Pump, timeout: float) -> None:
    """Return once the job is terminal, or the dashboard has not answered for `timeout` s."""
    last_seen = time.monotonic()
    while (status := _status(address, job_id)) not in TERMINAL_STATUSES:
        if status is not None:
            last_seen = time.monotonic()
        elif time.monotonic() - last_seen > timeout:
            return
        pump.join(STATUS_POLL_S)
        if not pump.is_alive():
            time.sleep(STATUS_POLL_S)
