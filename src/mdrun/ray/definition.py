"""A Ray job's definition as mdrun records and shows it: `job.json` in the log directory, and
the description `plan` (or a dry run) prints. Secrets in its environment are redacted."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping, Sequence

from mdrun.model import Environment, SourceLocation
from mdrun.ray.jobspec import JobSpec, build_job, parse_submit_args, redacted_env
from mdrun.ray.workdir import walk


def runtime_env(spec: JobSpec, working_dir: str) -> dict[str, object]:
    """The runtime environment Ray gets, with `working_dir` the staged directory."""
    env: dict[str, object] = {"working_dir": working_dir}
    if spec.pip:
        env["pip"] = list(spec.pip)
    if spec.env_vars:
        env["env_vars"] = dict(spec.env_vars)
    return env


def submit_kwargs(spec: JobSpec, working_dir: str) -> dict[str, object]:
    """`JobSubmissionClient.submit_job`'s keyword arguments for `spec`."""
    job: dict[str, object] = {
        "entrypoint": spec.entrypoint,
        "submission_id": spec.submission_id,
        "runtime_env": runtime_env(spec, working_dir),
    }
    if spec.resources:
        job["entrypoint_resources"] = dict(spec.resources)
    if spec.num_cpus is not None:
        job["entrypoint_num_cpus"] = spec.num_cpus
    if spec.num_gpus is not None:
        job["entrypoint_num_gpus"] = spec.num_gpus
    return job


def record(
    spec: JobSpec,
    address: str | None,
    files: Sequence[str],
    show_secrets: bool = False,
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """What `job.json` holds: the submitted job, the local directory its files came from and
    their names, where it was submitted, and the block it came from."""
    job = submit_kwargs(spec, spec.source_dir)
    env = dict(job["runtime_env"])  # type: ignore[call-overload]
    if "env_vars" in env:
        env["env_vars"] = redacted_env(spec.env_vars, show_secrets)
    job["runtime_env"] = env
    out: dict[str, object] = {**job, "address": address, "files": list(files)}
    if spec.body_file:
        out["body_file"] = spec.body_file
    if spec.location:
        out["block"] = str(spec.location)
    if spec.base_image:
        out["base_image"] = spec.base_image
        out["base_image_note"] = "recorded only: the job runs on the cluster at the address"
    if spec.no_wait:
        out["no_wait"] = True
    return {**out, **(extra or {})}


def planned_files(spec: JobSpec) -> list[str]:
    """The working directory's files as they would be shipped (nothing is copied)."""
    found = list(walk(spec.source_dir)) if os.path.isdir(spec.source_dir) else []
    if spec.body_file and spec.body:
        found.append(spec.body_file)
    return sorted(set(found))


def runbook_variables(env: Environment, declared: object = None) -> frozenset[str]:
    """The variables of a block's planned `env` that are the runbook's own business: set by
    it (an export, `-e`, an env file) or declared in its `inputs:` (the mapping `declared`),
    as opposed to inherited from the process environment."""
    names = {name for name, value in env.items() if value.source.kind != "process"}
    if isinstance(declared, Mapping):
        names.update(str(name) for name in declared)
    return frozenset(names)


def describe(job: Mapping[str, object], own: Collection[str] | None = None) -> str:
    """`job` (a `record`) as indented lines for people: `plan` and dry runs print this. With
    `own`, only those of its env vars are listed, then a count of the others (the JSON, and
    `job.json`, keep them all)."""
    env = job.get("runtime_env")
    env = env if isinstance(env, dict) else {}
    lines = [
        f"ray job {job.get('submission_id')} at {job.get('address') or '$RAY_ADDRESS (unset)'}",
        f"  entrypoint: {job.get('entrypoint')}",
        f"  working_dir: {env.get('working_dir')}",
    ]
    files = job.get("files")
    if isinstance(files, list):
        shown = ", ".join(str(f) for f in files[:20])
        more = f" and {len(files) - 20} more" if len(files) > 20 else ""
        lines.append(f"  files: {shown}{more}")
    for key in ("entrypoint_resources", "entrypoint_num_cpus", "entrypoint_num_gpus"):
        if key in job:
            lines.append(f"  {key}: {json.dumps(job[key])}")
    if env.get("pip"):
        lines.append(f"  pip: {' '.join(str(p) for p in env['pip'])}")
    lines += _env_lines(dict(env.get("env_vars") or {}), own)
    if job.get("base_image"):
        lines.append(f"  base_image: {job['base_image']} (recorded only)")
    return "\n".join(lines) + "\n"


def _env_lines(env_vars: Mapping[str, object], own: Collection[str] | None) -> list[str]:
    listed = [n for n in env_vars if own is None or n in own]
    lines = [f"  env: {name}={env_vars[name]}" for name in listed]
    rest = len(env_vars) - len(listed)
    if rest:
        word = "variable" if rest == 1 else "variables"
        lines.append(f"  env: and {rest} inherited {word} (all of them in --format json)")
    return lines


def planned_job(
    argv: Sequence[str],
    body: str,
    language: str,
    source: str,
    environ: Mapping[str, str],
    location: SourceLocation | None = None,
    show_secrets: bool = False,
) -> dict[str, object]:
    """The `record` of the job a block with `exec: ray-submit ARGV` (ARGV already split and
    expanded) would submit to `$RAY_ADDRESS`. Lists the source directory; runs, copies and
    submits nothing. UsageError (with `location`) for a malformed ARGV."""
    spec = build_job(parse_submit_args(argv, location), body, language, source, environ,
                     location=location)  # fmt: skip
    return record(spec, environ.get("RAY_ADDRESS"), planned_files(spec), show_secrets)


def write(path: str, job: Mapping[str, object]) -> None:
    """Write `job` as JSON to `path` (mode 0600: it may name private paths)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(job, f, indent=2)
        f.write("\n")
