"""Follow a Ray job's logs with the least lag the dashboard offers.

`python -m mdrun.ray.logs follow --address URL --job ID` writes the job's output to stdout as it
arrives and returns once the job has ended and all of its output was written; `wait` polls the
job until it reaches a terminal status; `jobs` prints the cluster's job ids, newest first (the
answers `runbooks/stream-logs.md` offers when `JOB_ID` is not set). The runbooks call these instead of `websocat` (in
neither PyPI nor Debian) and of `ray job logs -f`, which starts slowly and block-buffers when
its stdout is a pipe. bench/bench_raylag.py has the figures.

Two transports, both served by the dashboard at `$RAY_ADDRESS`:

- `stream` (default): the State API's `/api/v0/logs/stream`, which reads the driver's log file
  every `interval` seconds (0.1 here); it never ends by itself, so the job's status is polled
  and the stream is cut once every byte of `GET /api/jobs/{id}/logs` has been written.
- `ws`: the Jobs API websocket `/api/jobs/{id}/logs/tail`, which `ray job logs -f` uses; Ray
  polls the file there once a second, then waits another second, so lines come 1-2 s late.

Only the standard library is needed, and `websockets` (imported lazily) for `ws`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import BinaryIO

from mdrun.ray.dashboard import (
    EXIT_FAILED,
    TERMINAL_STATUSES,
    follow_stream,
    job_ids,
    job_info,
    wait_terminal,
)

EXIT_USAGE = 2

__all__ = ["TERMINAL_STATUSES", "follow_stream", "follow_ws", "job_info", "main", "tail_url"]


def tail_url(address: str, job_id: str) -> str:
    """The websocket URL that streams `job_id`'s logs from the dashboard at `address`."""
    base = address.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base.removeprefix("https://")
    elif base.startswith("http://"):
        base = "ws://" + base.removeprefix("http://")
    elif "://" not in base:
        base = "ws://" + base
    return f"{base}/api/jobs/{job_id}/logs/tail"


def follow_ws(address: str, job_id: str, out: BinaryIO, connect_timeout: float = 60.0) -> int:
    """Copy the job's websocket log stream to `out`, flushing every chunk; return bytes written.

    Connection attempts are retried until `connect_timeout`, because the dashboard may still be
    starting; once data has arrived the stream is not reopened, since Ray replays the log from
    its first line on every connection and lines would be duplicated.
    """
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url = tail_url(address, job_id)
    deadline = time.monotonic() + connect_timeout
    while True:
        try:
            # No permessage-deflate: with it negotiated, Ray 2.60's aiohttp relay fails on its
            # first compressed frame ("Cannot write to closing transport") and closes the
            # stream cleanly with nothing sent, so a follower would silently print nothing.
            # No keepalive pings either: Ray's relay never reads from the socket, so aiohttp
            # never answers them, and the client would close the stream 40 s in.
            with connect(
                url,
                compression=None,
                ping_interval=None,
                max_size=None,
                open_timeout=10,
                close_timeout=2,
            ) as ws:
                total = 0
                for message in ws:
                    data = message.encode() if isinstance(message, str) else message
                    out.write(data)
                    out.flush()
                    total += len(data)
                return total
        except (OSError, InvalidStatus) as exc:
            if time.monotonic() >= deadline:
                raise ConnectionError(f"cannot follow {url}: {exc}") from exc
            time.sleep(0.5)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mdrun.ray.logs", description="Follow a Ray job's logs."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("follow", "write the job's logs to stdout as they come, until the job has ended"),
        ("wait", "wait until the job reaches a terminal status, print it; exit 0 if SUCCEEDED"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--address", required=True, help="dashboard URL, e.g. $RAY_ADDRESS")
        p.add_argument("--job", required=True, help="submission id, e.g. $JOB_ID")
        p.add_argument(
            "--timeout",
            type=float,
            default=60.0,
            help="follow: seconds to wait for the job's driver; wait: for a terminal status",
        )
    jobs = sub.add_parser("jobs", help="print the cluster's job ids, newest first")
    jobs.add_argument("--address", help="dashboard URL (default: $RAY_ADDRESS)")
    follow = sub.choices["follow"]
    follow.add_argument("--via", choices=("stream", "ws"), default="stream", help="transport")
    follow.add_argument("--interval", type=float, default=0.1, help="stream: poll period (s)")
    return parser


def _follow(args: argparse.Namespace) -> int:
    out = sys.stdout.buffer
    try:
        if args.via == "ws":
            follow_ws(args.address, args.job, out, connect_timeout=args.timeout)
        else:
            follow_stream(args.address, args.job, out, args.interval, args.timeout)
    except OSError as exc:  # URLError, ConnectionError and TimeoutError among them
        print(f"mdrun.ray.logs: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def _jobs(address: str | None) -> int:
    if not address:
        print(
            "mdrun.ray.logs: RAY_ADDRESS is not set: set it to the Ray dashboard's URL "
            "(such as http://127.0.0.1:8265), or set JOB_ID to the job to follow",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        ids = job_ids(address)
    except OSError as exc:
        print(f"mdrun.ray.logs: cannot list the jobs at {address}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not ids:
        print(f"mdrun.ray.logs: the cluster at {address} has no jobs", file=sys.stderr)
        return EXIT_FAILED
    print("\n".join(ids))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m mdrun.ray.logs`."""
    args = _parser().parse_args(argv)
    if args.command == "jobs":
        return _jobs(args.address or os.environ.get("RAY_ADDRESS"))
    if args.command == "follow":
        return _follow(args)
    status = wait_terminal(args.address, args.job, args.timeout)
    if status is None:
        print(
            f"mdrun.ray.logs: job {args.job} not finished after {args.timeout:g}s", file=sys.stderr
        )
        return EXIT_FAILED
    print(status)
    return 0 if status == "SUCCEEDED" else EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
