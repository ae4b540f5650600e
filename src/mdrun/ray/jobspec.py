"""What a block with `exec: ray-submit …` becomes: a Ray job definition, decided without Ray.

The store's CodeFlare guidebooks hold their training code in python fences whose block
frontmatter says `exec: ray-submit --job-id ${JOB_ID} [--working-dir=D] [--base-image=I]
[--entrypoint=F] [--no-wait] -- ARGS…`. This module reads that argument list and turns the block
(its body, its language, the file its text came from) and the run's exported environment into
a `JobSpec`: the entrypoint, the working directory to ship, and the runtime environment (pip
requirements, environment variables). Nothing here talks to Ray or runs what the user wrote, so
`plan` can show the job that would be submitted.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import uuid
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from mdrun.errors import UsageError
from mdrun.model import SourceLocation
from mdrun.redact import REDACTED, is_secret

BODY_FILES = {"python": "mdrun_block.py", "py": "mdrun_block.py"}
"""Name of the file a non-empty block body is written to in the job's working directory."""

SHELL_BODY_FILE = "mdrun_block.sh"
"""The same for a shell block's body."""

PIP_VAR = "MDRUN_RAY_PIP"
"""Requirement lines (newline-separated) the run's `pip-install` blocks installed; added to
every Ray job's `pip`."""

_LOCAL_ONLY = frozenset(
    {
        "PATH", "HOME", "PWD", "OLDPWD", "SHLVL", "_", "USER", "LOGNAME", "SHELL", "MAIL",
        "HOSTNAME", "TERM", "COLORTERM", "COLUMNS", "LINES", "DISPLAY", "EDITOR", "PAGER",
        "TMPDIR", "TMP", "TEMP", "LANG", "LANGUAGE", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV",
        "PS1", "PS2", "PS4", "LS_COLORS", "NO_COLOR", "RAY_ADDRESS", "MWDIR", "MWFILEPATH",
        "MWFILENAME",
    }
)  # fmt: skip
_LOCAL_PREFIXES = ("LC_", "SSH_", "XDG_", "DBUS_", "WAYLAND_", "CONDA_", "LD_", "BASH_FUNC_",
                   "TERM_", "MDRUN_")  # fmt: skip


class SubmitArgs(NamedTuple):
    """The `ray-submit` argument list of a block's `exec:`, as madwizard's client reads it."""

    job_id: str | None
    """`--job-id`: the submission id (one is made up when absent)."""
    working_dir: str | None
    """`--working-dir=D`: ship D instead of the block's source directory."""
    base_image: str | None
    """`--base-image=I`: recorded only; the job runs on the cluster at the address as it is."""
    entrypoint: str | None
    """`--entrypoint=F`: run F in the working directory instead of the block's body."""
    no_wait: bool
    """`--no-wait`: submit and return without following the job."""
    resources: Mapping[str, float]
    """`--entrypoint-resources JSON`: custom resources the entrypoint needs (`ray job submit`'s
    flag)."""
    num_cpus: float | None
    """`--entrypoint-num-cpus`."""
    num_gpus: float | None
    """`--entrypoint-num-gpus`."""
    args: tuple[str, ...]
    """Everything after `--`: the entrypoint's arguments."""


class JobSpec(NamedTuple):
    """One Ray job to submit: what `JobSubmissionClient.submit_job` gets, and where from."""

    submission_id: str
    """The job's id on the cluster."""
    entrypoint: str
    """The shell command the cluster runs, in the working directory."""
    source_dir: str
    """The local directory shipped as the job's working directory."""
    body_file: str | None
    """The file in the working directory that holds the block's body, if it runs the body."""
    body: str
    """Text to write to `body_file` (empty: the file is already there, it is the body)."""
    pip: tuple[str, ...]
    """Requirement lines for the runtime environment's `pip` (empty: none)."""
    env_vars: Mapping[str, str]
    """The runtime environment's `env_vars`: the run's exported environment, minus what only
    makes sense on this machine."""
    resources: Mapping[str, float]
    """`entrypoint_resources`."""
    num_cpus: float | None
    """`entrypoint_num_cpus`."""
    num_gpus: float | None
    """`entrypoint_num_gpus`."""
    no_wait: bool
    """Submit without following."""
    base_image: str | None
    """`--base-image`, recorded: not used."""
    location: SourceLocation | None
    """The block's fence, for messages."""


class _ArgParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"exec: ray-submit: {message}")


def _submit_parser() -> argparse.ArgumentParser:
    p = _ArgParser(prog="ray-submit", add_help=False)
    p.add_argument("--job-id")
    p.add_argument("--working-dir")
    p.add_argument("--base-image")
    p.add_argument("--entrypoint")
    p.add_argument("--no-wait", action="store_true")
    p.add_argument("--entrypoint-resources", type=json.loads, default={})
    p.add_argument("--entrypoint-num-cpus", type=float)
    p.add_argument("--entrypoint-num-gpus", type=float)
    return p


def parse_submit_args(argv: Sequence[str], location: SourceLocation | None = None) -> SubmitArgs:
    """Read `ray-submit`'s arguments (after the shell expanded them); UsageError when malformed."""
    words = list(argv)
    args = words[words.index("--") + 1 :] if "--" in words else []
    own = words[: words.index("--")] if "--" in words else words
    try:
        ns = _submit_parser().parse_args(own)
    except UsageError as exc:
        raise UsageError(exc.message, location) from None
    resources = ns.entrypoint_resources
    if not isinstance(resources, dict) or not all(
        isinstance(v, int | float) for v in resources.values()
    ):
        raise UsageError("exec: ray-submit: --entrypoint-resources wants {NAME: NUMBER}", location)
    return SubmitArgs(
        job_id=ns.job_id or None,
        working_dir=ns.working_dir,
        base_image=ns.base_image,
        entrypoint=ns.entrypoint,
        no_wait=ns.no_wait,
        resources={str(k): float(v) for k, v in resources.items()},
        num_cpus=ns.entrypoint_num_cpus,
        num_gpus=ns.entrypoint_num_gpus,
        args=tuple(args),
    )


def job_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables of `environ` a job on another machine should see: not PATH, HOME, the
    locale, the terminal, the session, mdrun's own or the exec protocol's."""
    return {
        k: v
        for k, v in sorted(environ.items())
        if k not in _LOCAL_ONLY and not k.startswith(_LOCAL_PREFIXES)
    }


def requirement_lines(text: str) -> tuple[str, ...]:
    """The requirements of a requirements.txt-shaped text: no comments, no blank lines."""
    out = (line.split(" #", 1)[0].strip() for line in text.splitlines())
    return tuple(line for line in out if line and not line.startswith("#"))


def _entrypoint(args: SubmitArgs, body_file: str | None, language: str) -> str:
    rest = shlex.join(args.args)
    if args.entrypoint:
        runner = "python " if args.entrypoint.endswith(".py") else ""
        command = runner + shlex.quote(args.entrypoint)
    elif body_file:
        runner = "python" if language in BODY_FILES else "bash"
        command = f"{runner} {shlex.quote(body_file)}"
    else:
        return rest
    return f"{command} {rest}".rstrip()


def _same_text(path: str, body: str) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().rstrip("\n") == body.rstrip("\n")
    except (OSError, UnicodeDecodeError):
        return False


def _body_file(args: SubmitArgs, body: str, language: str, source: str) -> tuple[str | None, str]:
    """The file that runs the body, and the text to write there ("" when it is already there)."""
    if not body.strip() or args.entrypoint:
        return None, ""
    if not args.working_dir and _same_text(source, body):
        return os.path.basename(source), ""
    return BODY_FILES.get(language, SHELL_BODY_FILE), body


def build_job(
    args: SubmitArgs,
    body: str,
    language: str,
    source: str,
    environ: Mapping[str, str],
    pip: Sequence[str] = (),
    location: SourceLocation | None = None,
) -> JobSpec:
    """The job for a block whose body's text came from the file `source`.

    The working directory is `--working-dir`, else `source`'s directory. A body that is that
    whole file runs as it (tracebacks then name the user's file); any other non-empty body is
    added to the shipped copy as `mdrun_block.py` (`.sh` for shell). pip gets a
    `requirements.txt` in the working directory, then `pip`, then the run's `$MDRUN_RAY_PIP`.
    """
    source_dir = os.path.abspath(args.working_dir or os.path.dirname(os.path.abspath(source)))
    body_file, body = _body_file(args, body, language, source)
    entrypoint = _entrypoint(args, body_file, language)
    if not entrypoint:
        raise UsageError(
            "exec: ray-submit: nothing to run (an empty body, no --entrypoint, nothing after --)",
            location,
        )
    return JobSpec(
        submission_id=args.job_id or f"mdrun-{uuid.uuid4().hex[:12]}",
        entrypoint=entrypoint,
        source_dir=source_dir,
        body_file=body_file,
        body=body,
        pip=_pip(source_dir, pip, environ),
        env_vars=job_env(environ),
        resources=args.resources,
        num_cpus=args.num_cpus,
        num_gpus=args.num_gpus,
        no_wait=args.no_wait,
        base_image=args.base_image,
        location=location,
    )


def _pip(source_dir: str, given: Sequence[str], environ: Mapping[str, str]) -> tuple[str, ...]:
    found: list[str] = []
    try:
        with open(os.path.join(source_dir, "requirements.txt"), encoding="utf-8") as f:
            found += requirement_lines(f.read())
    except (OSError, UnicodeDecodeError):
        pass
    found += given
    found += requirement_lines(environ.get(PIP_VAR, ""))
    return tuple(dict.fromkeys(found))


def redacted_env(env: Mapping[str, str], show_secrets: bool = False) -> dict[str, str]:
    """`env` with the values of secret-looking names replaced by `***`."""
    return {k: v if show_secrets or not is_secret(k) else REDACTED for k, v in env.items()}
