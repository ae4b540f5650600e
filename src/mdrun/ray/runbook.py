"""`mdrun run --ray ADDRESS RUNBOOK`: the whole runbook as one Ray job running mdrun itself.

The job's working directory holds the runbook and every file it includes or imports (the
loader knows each line's file), laid out as they are here below their common directory, so
that relative includes resolve the same on the cluster. mdrun goes in the runtime
environment's `py_modules` (the installed package directory), so a cluster that has mdrun's
dependencies needs no install of mdrun. The `-e` and `--env-file` values become the job's
`env_vars`. Locally, the job's console is streamed and kept in the log directory with its
definition (`job.json`) and its last status (`status.json`); `--detach` returns once the job is
submitted, and `mdrun attach JOB_ID` follows it again. The job runs on the cluster whatever
happens to this machine: a hang-up (SIGHUP) only stops following, Ctrl-C stops the job.
"""

from __future__ import annotations

import io
import os
import shlex
import shutil
import signal
import sys
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import BinaryIO, NamedTuple, cast

import mdrun
from mdrun.model import Document
from mdrun.ray import definition
from mdrun.ray.jobs import (
    Outcome,
    dashboard_url,
    dumps,
    exit_code,
    hold_signals,
    info,
    submit,
    watch,
)
from mdrun.ray.jobspec import redacted_env
from mdrun.ray.workdir import stage_files
from mdrun.redact import scrub, secret_values


class RemoteRun(NamedTuple):
    """What the cluster's mdrun is asked to do."""

    document: Document
    """The loaded runbook (its origins name every file to ship)."""
    options: tuple[str, ...]
    """`mdrun run` options to pass on (`--keep-going`, `--grace 5`…), paths excluded."""
    base_paths: tuple[str, ...]
    """`--base-path` directories here; shipped paths are rewritten below the working directory."""
    env: Mapping[str, str]
    """`-e` and `--env-file` values: the job's `env_vars`."""


def runbook_files(document: Document) -> list[str]:
    """The local files the document was read from: the runbook, then every file named in any
    line's origin (includes, imports, the files holding the include markers), each once."""
    seen = dict.fromkeys([os.path.abspath(document.path)])
    paths = (loc.path for origin in document.origins for loc in origin)
    for path in dict.fromkeys(paths):
        if "://" not in path and os.path.isfile(path):
            seen.setdefault(os.path.abspath(path))
    return list(seen)


def _layout(files: Sequence[str]) -> tuple[str, list[tuple[str, str]]]:
    root = os.path.commonpath([os.path.dirname(f) for f in files])
    return root, [(f, os.path.relpath(f, root)) for f in files]


def _entrypoint(run: RemoteRun, root: str) -> str:
    runbook = os.path.relpath(os.path.abspath(run.document.path), root)
    args = ["python", "-m", "mdrun", "run", runbook, *run.options]
    for base in run.base_paths:
        full = os.path.abspath(base)
        inside = full == root or full.startswith(root.rstrip(os.sep) + os.sep)
        args += ["--base-path", os.path.relpath(full, root) if inside else base]
    return shlex.join(args)


def job_for(run: RemoteRun, stage: str, job_id: str, root: str) -> dict[str, object]:
    """`submit_job`'s keyword arguments: mdrun on the cluster, in the staged working directory."""
    return {
        "entrypoint": _entrypoint(run, root),
        "submission_id": job_id,
        "runtime_env": {
            "working_dir": stage,
            "py_modules": [os.path.dirname(os.path.abspath(mdrun.__file__))],
            "env_vars": {"NO_COLOR": "1", **run.env},
            "excludes": ["__pycache__"],
        },
    }


def submit_runbook(
    address: str, run: RemoteRun, log_dir: str, detach: bool, show_secrets: bool = False
) -> int:
    """Submit the runbook as one job; follow it unless `detach`. The run's exit code."""
    url = dashboard_url(address)
    job_id = f"mdrun-{uuid.uuid4().hex[:12]}"
    root, pairs = _layout(runbook_files(run.document))
    stage, files = stage_files(pairs)
    if not detach:
        hold_signals()
    try:
        job = job_for(run, stage, job_id, root)
        shown = dict(job, runtime_env={**cast(dict[str, object], job["runtime_env"]),
                                       "working_dir": root,
                                       "env_vars": redacted_env({"NO_COLOR": "1", **run.env},
                                                                show_secrets)})  # fmt: skip
        definition.write(os.path.join(log_dir, "job.json"),
                         {**shown, "address": url, "files": list(files)})  # fmt: skip
        submit(url, None, **job)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print(f"[mdrun] submitted {run.document.path} to {url} as Ray job {job_id}", flush=True)
    if detach:
        print(f"[mdrun] follow it with: mdrun attach {job_id} --ray {url}", flush=True)
        return 0
    secrets = () if show_secrets else secret_values(run.env.items())
    return follow(url, job_id, log_dir, (signal.SIGINT, signal.SIGTERM), (signal.SIGHUP,), secrets)


def attach(address: str, job_id: str, log_dir: str | None) -> int:
    """Follow a submitted job again, from its first line; Ctrl-C stops following, not the job."""
    url = dashboard_url(address)
    info(url, job_id)  # RayError now when there is no such job
    leave = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    return follow(url, job_id, log_dir, (), leave, ())


def follow(
    url: str,
    job_id: str,
    log_dir: str | None,
    stop_on: Iterable[int],
    leave_on: Iterable[int],
    secrets: Sequence[str],
) -> int:
    """Stream the job's console to stdout (and `log_dir/console.log`); its exit code."""
    console = open(os.path.join(log_dir, "console.log"), "wb") if log_dir else None  # noqa: SIM115
    try:
        out = _Tee(sys.stdout.buffer, console)
        outcome = watch(url, job_id, cast(BinaryIO, out), tuple(stop_on), tuple(leave_on))
    finally:
        if console:
            console.close()
    if log_dir and outcome.details:
        with open(os.path.join(log_dir, "status.json"), "w", encoding="utf-8") as f:
            f.write(scrub(dumps(outcome.details), secrets))
    return _report(url, job_id, outcome)


def _report(url: str, job_id: str, outcome: Outcome) -> int:
    if outcome.status is None and outcome.signal is None:
        print(
            f"mdrun: lost the Ray dashboard at {url}; job {job_id} may go on: "
            f"mdrun attach {job_id} --ray {url}",
            file=sys.stderr,
        )
        return 1
    if outcome.status is None:
        print(
            f"[mdrun] stopped following; Ray job {job_id} goes on: "
            f"mdrun attach {job_id} --ray {url}",
            file=sys.stderr,
        )
        return 128 + (outcome.signal or signal.SIGHUP)
    if outcome.status != "SUCCEEDED":
        print(f"[mdrun] Ray job {job_id}: {outcome.status}", file=sys.stderr)
    return exit_code(outcome, use_driver_code=True)


class _Tee(io.RawIOBase):
    """Writes to the console and, when given, to a log file."""

    def __init__(self, console: BinaryIO, log: BinaryIO | None) -> None:
        self.console, self.log = console, log

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.console.write(data)
        if self.log:
            self.log.write(data)
        return len(data)

    def flush(self) -> None:
        self.console.flush()
        if self.log:
            self.log.flush()
