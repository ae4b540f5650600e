"""`exec: ray-submit …` as a command a block runs: submit the block to Ray, follow its log.

    python -m mdrun.ray.submit [--body FILE] [--language L] [--source FILE] [--location F:N]
                               [--address URL] [--log-dir DIR] [--dry-run] [--show-secrets]
                               ray-submit [--job-id ID] [--working-dir=D] … [-- ARGS…]

Everything after the word `ray-submit` is the block's `exec:` line as the shell expanded it.
The job's log is written to stdout as it arrives, so the supervisor streams it and keeps it in
the block's log file like any output; the exit code is the job's end (SUCCEEDED 0, FAILED 1,
STOPPED 128+signal). SIGTERM, SIGINT or SIGHUP (a timeout, Ctrl-C, the end of the run) stop the
job and wait for it to be STOPPED. The job's definition goes to `DIR/<submission id>.job.json`
(DIR: `--log-dir`, else `$MDRUN_RUN_LOG_DIR`, the run's log directory), secrets redacted.
`--dry-run` prints the job that would be submitted and submits nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Mapping, Sequence

from mdrun.errors import EXIT_BLOCK_FAILED, UsageError, error_handler
from mdrun.model import SourceLocation
from mdrun.ray import definition
from mdrun.ray.jobs import (
    dashboard_url,
    exit_code,
    failure_message,
    hold_signals,
    submit,
    watch,
)
from mdrun.ray.jobspec import JobSpec, build_job, parse_submit_args
from mdrun.ray.workdir import stage_directory

LOG_DIR_VAR = "MDRUN_RUN_LOG_DIR"
"""The run's log directory, as the supervisor gives it to blocks."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m mdrun.ray.submit", description=__doc__)
    p.add_argument("--body", metavar="FILE", help="the block's body (default: empty)")
    p.add_argument("--language", default="python", help="the fence's language")
    p.add_argument("--source", metavar="FILE", help="the file the body's text came from")
    p.add_argument("--location", metavar="FILE:LINE", help="the block's fence, for messages")
    p.add_argument("--address", help="the dashboard (default: $RAY_ADDRESS)")
    p.add_argument("--log-dir", metavar="DIR", help=f"where job.json goes (${LOG_DIR_VAR})")
    p.add_argument("--dry-run", action="store_true", help="print the job, submit nothing")
    p.add_argument("--show-secrets", action="store_true", help="do not redact job.json")
    return p


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """mdrun's options before the word `ray-submit`; what follows it, untouched, as `args`."""
    words = list(argv)
    if "ray-submit" not in words:
        _parser().error("the exec: line, starting with `ray-submit`, is missing")
    at = words.index("ray-submit")
    args = _parser().parse_args(words[:at])
    args.args = words[at + 1 :]
    return args


def parse_location(text: str | None) -> SourceLocation | None:
    """`FILE:LINE` as a SourceLocation (None when absent or not of that shape)."""
    path, _, line = (text or "").rpartition(":")
    return SourceLocation(path, int(line)) if path and line.isdigit() else None


def job_of(args: argparse.Namespace, environ: Mapping[str, str]) -> JobSpec:
    """The job the command line describes."""
    location = parse_location(args.location)
    body = ""
    if args.body:
        try:
            with open(args.body, encoding="utf-8") as f:
                body = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the block's body {args.body}: {exc}", location) from None
    source = args.source or (location.path if location else os.path.join(os.getcwd(), "-"))
    submit_args = parse_submit_args(args.args, location)
    return build_job(submit_args, body, args.language, source, environ, location=location)


def run_job(spec: JobSpec, address: str, log_dir: str | None, show_secrets: bool) -> int:
    """Stage, record, submit and follow `spec`; the block's exit code."""
    url = dashboard_url(address)
    extra = {spec.body_file: spec.body} if spec.body_file and spec.body else {}
    stage, files = stage_directory(spec.source_dir, extra, spec.location)
    hold_signals()
    try:
        if log_dir:
            job = definition.record(spec, url, files, show_secrets)
            definition.write(os.path.join(log_dir, f"{spec.submission_id}.job.json"), job)
        submit(url, spec.location, **definition.submit_kwargs(spec, stage))
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print(f"[mdrun] submitted Ray job {spec.submission_id} to {url}", file=sys.stderr, flush=True)
    if spec.no_wait:
        return 0
    outcome = watch(url, spec.submission_id, sys.stdout.buffer)
    why = failure_message(outcome)
    if why:
        where = f"{spec.location}: " if spec.location else ""
        print(f"mdrun: {where}Ray job {spec.submission_id}: {why}", file=sys.stderr)
    code = exit_code(outcome)
    if outcome.status is None and outcome.signal is None:
        return EXIT_BLOCK_FAILED
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m mdrun.ray.submit`."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with error_handler():
        spec = job_of(args, os.environ)
        address = args.address or os.environ.get("RAY_ADDRESS")
        if args.dry_run:
            files = definition.planned_files(spec)
            job = definition.record(spec, address, files, args.show_secrets)
            sys.stdout.write(definition.describe(job))
            return 0
        if not address:
            raise UsageError("no Ray cluster: set RAY_ADDRESS (or --address)", spec.location)
        return run_job(
            spec, address, args.log_dir or os.environ.get(LOG_DIR_VAR), args.show_secrets
        )
    return EXIT_BLOCK_FAILED  # pragma: no cover - error_handler raises or returns


if __name__ == "__main__":
    raise SystemExit(main())
