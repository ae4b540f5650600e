"""Submitting, stopping and following Ray jobs, and what their end means as an exit code.

Submission goes through Ray's `JobSubmissionClient` (imported when needed: it zips and uploads
the working directory and `py_modules`); stopping and following speak to the dashboard's HTTP
API directly (`mdrun.ray.dashboard`), so that following a job needs only the standard library.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Mapping
from types import FrameType
from typing import Any, BinaryIO, Literal, NamedTuple, cast

from mdrun.errors import EXIT_BLOCK_FAILED, MdrunError
from mdrun.model import SourceLocation
from mdrun.ray.dashboard import TERMINAL_STATUSES, follow_stream, job_info

Terminal = Literal["SUCCEEDED", "FAILED", "STOPPED"]

UNANSWERED_S = 60.0
"""How long the dashboard may not answer before a follower gives up (the job goes on)."""

STOP_WAIT_S = 30.0
"""After asking Ray to stop a job, how long to wait for it to be STOPPED."""


HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Signals held back from the moment a job is about to be submitted until it is followed, so
that a timeout or Ctrl-C during the upload stops the job instead of leaving it running."""


def hold_signals() -> None:
    """Block `HELD` in this thread until `watch` is ready to act on them (then delivered)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, HELD)


class RayError(MdrunError):
    """No Ray cluster at the address, a job Ray refused, or no Ray client installed: exit 2."""


def dashboard_url(address: str) -> str:
    """`http://HOST:PORT` for `address` as users write it (`HOST:PORT`, `http(s)://…`)."""
    address = address.strip().rstrip("/")
    if address.startswith("ray://"):
        raise RayError(f"{address}: a Ray Client address; give the dashboard's (http://HOST:8265)")
    return address if "://" in address else f"http://{address}"


def submit(address: str, location: SourceLocation | None = None, **job: object) -> str:
    """Submit a job (`job` as `JobSubmissionClient.submit_job` takes it); its submission id."""
    try:
        from ray.job_submission import JobSubmissionClient
    except ImportError:
        raise RayError(
            "submitting to Ray needs Ray's job client: pip install 'mdrun[ray]'", location
        ) from None
    for name in [*logging.root.manager.loggerDict, "ray"]:  # not Ray's INFO lines on uploads
        if name.startswith("ray"):
            logging.getLogger(name).setLevel(logging.WARNING)
    try:
        client = JobSubmissionClient(address)
        return str(client.submit_job(**job))  # type: ignore[arg-type]
    except ConnectionError:
        raise RayError(f"no Ray cluster answers at {address}", location) from None
    except (RuntimeError, ValueError, TypeError, FileNotFoundError) as exc:
        raise RayError(f"Ray refused the job: {_short(str(exc))}", location) from None


def _short(text: str) -> str:
    """The line of Ray's error text that says what went wrong: an `ERROR:` line (pip's), else
    the first one; not its tracebacks."""
    lines = [ln.strip() for ln in text.replace("\\n", "\n").splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith(("ERROR:", "error:"))]
    return (errors or lines or [text])[0][:500]


def stop(address: str, job_id: str) -> None:
    """Ask Ray to stop the job (`POST /api/jobs/{id}/stop`); errors are ignored: the caller
    waits for a terminal status either way."""
    request = urllib.request.Request(f"{address}/api/jobs/{job_id}/stop", method="POST", data=b"")
    try:
        with urllib.request.urlopen(request, timeout=10):
            pass
    except (OSError, urllib.error.HTTPError):
        pass


def info(address: str, job_id: str) -> dict[str, object]:
    """The job's details; RayError when the cluster or the job cannot be found."""
    try:
        found = job_info(address, job_id)
    except OSError:
        raise RayError(f"no Ray cluster answers at {address}") from None
    if found is None:
        raise RayError(f"no job {job_id} on the Ray cluster at {address}")
    return found


class Outcome(NamedTuple):
    """How following a job ended."""

    status: Terminal | None
    """The job's terminal status; None when following stopped before the job ended."""
    signal: int | None
    """The signal that interrupted following, if any."""
    details: Mapping[str, object]
    """The job's last details from the dashboard (empty when it did not answer)."""


def _wait_started(address: str, job_id: str) -> None:
    """Return once the job has a driver or ended; ConnectionError after the dashboard did not
    answer for `UNANSWERED_S` (a job may be PENDING for as long as it waits for resources)."""
    last = time.monotonic()
    while True:
        try:
            found = job_info(address, job_id)
        except OSError:
            found = None
            if time.monotonic() - last > UNANSWERED_S:
                raise ConnectionError(f"the Ray dashboard at {address} stopped answering") from None
        else:
            last = time.monotonic()
        if found and (found.get("driver_node_id") or found.get("status") in TERMINAL_STATUSES):
            return
        time.sleep(0.2)


def _follower(address: str, job_id: str, out: BinaryIO, errors: list[BaseException]) -> None:
    try:
        _wait_started(address, job_id)
        follow_stream(address, job_id, out, 0.1, UNANSWERED_S)
    except (OSError, ValueError) as exc:
        errors.append(exc)


def watch(
    address: str,
    job_id: str,
    out: BinaryIO,
    stop_on: Collection[int] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP),
    leave_on: Collection[int] = (),
) -> Outcome:
    """Copy the job's log to `out` until it ends. A signal in `stop_on` stops the job and waits
    (up to `STOP_WAIT_S`) for it to be STOPPED; one in `leave_on` stops following only."""
    got: list[int] = []
    woken = threading.Event()
    errors: list[BaseException] = []
    thread = threading.Thread(
        target=_follower, args=(address, job_id, out, errors), name="mdrun-ray-follow", daemon=True
    )
    previous = _install(list(stop_on) + list(leave_on), got, woken)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)  # what arrived while submitting comes now
    try:
        thread.start()
        _supervise(address, job_id, thread, got, woken, stop_on, leave_on)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if errors and not got:
        raise RayError(f"lost the Ray cluster at {address} while following job {job_id}")
    details = {} if errors else _details(address, job_id)
    status = details.get("status")
    ended = cast(Terminal, status) if status in TERMINAL_STATUSES else None
    return Outcome(ended, got[0] if got else None, details)


def _details(address: str, job_id: str) -> dict[str, object]:
    try:
        return job_info(address, job_id) or {}
    except OSError:
        return {}


def _install(
    signals: list[int], got: list[int], woken: threading.Event
) -> dict[int, Callable[[int, FrameType | None], Any] | int | None]:
    def handler(signum: int, _frame: FrameType | None) -> None:
        got.append(signum)
        woken.set()

    return {sig: signal.signal(sig, handler) for sig in signals}


def _supervise(
    address: str,
    job_id: str,
    thread: threading.Thread,
    got: list[int],
    woken: threading.Event,
    stop_on: Collection[int],
    leave_on: Collection[int],
) -> None:
    deadline: float | None = None
    while thread.is_alive():
        woken.wait(0.2)
        woken.clear()
        if got and got[-1] in leave_on:
            return
        if got and deadline is None:
            stop(address, job_id)
            deadline = time.monotonic() + STOP_WAIT_S
        if deadline is not None and time.monotonic() > deadline:
            return
    thread.join()


def exit_code(outcome: Outcome, use_driver_code: bool = False) -> int:
    """SUCCEEDED 0; FAILED 1 (or the driver's own exit code); STOPPED 128 + the signal that
    stopped it (SIGTERM when someone else did); not ended: 128 + the signal, else 1."""
    if outcome.status == "SUCCEEDED":
        return 0
    if outcome.status == "FAILED":
        code = outcome.details.get("driver_exit_code")
        if use_driver_code and isinstance(code, int) and 0 < code < 256:
            return code
        return EXIT_BLOCK_FAILED
    if outcome.status == "STOPPED" or outcome.signal:
        return 128 + (outcome.signal or signal.SIGTERM)
    return EXIT_BLOCK_FAILED


def failure_message(outcome: Outcome) -> str | None:
    """One line saying why a FAILED job failed when it never ran or Ray says more than its log
    (a runtime environment that did not build), else None."""
    if outcome.status != "FAILED":
        return None
    kind = outcome.details.get("error_type")
    message = str(outcome.details.get("message") or "")
    if kind == "RUNTIME_ENV_SETUP_FAILURE":
        return f"its runtime environment failed to build: {_short(message)}"
    if kind and "exit code" not in message:
        return f"{str(kind).lower().replace('_', ' ')}: {_short(message)}"
    return None


def dumps(details: Mapping[str, object]) -> str:
    """`details` as indented JSON (a job's last status, kept in the log directory)."""
    return json.dumps(details, indent=2, sort_keys=True, default=str) + "\n"
