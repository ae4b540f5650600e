"""Helpers shared by the bench_*.py files: timing subprocesses and building result rows.

Every benchmark compares against a baseline measured in the same invocation, interleaved run
by run so that a busy machine slows both sides alike.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository root."""


def mdrun_command(python: str) -> list[str]:
    """How a user starts mdrun with this interpreter: the `mdrun` command pip installed beside
    it (as the README says to run it), else `python -m mdrun`, which also imports runpy."""
    script = Path(python).parent / "mdrun"
    return [str(script)] if script.is_file() else [python, "-m", "mdrun"]


def bench_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for timed commands, plus `extra`.

    PYTHONDONTWRITEBYTECODE is dropped: an installed package has its bytecode compiled, and a
    development environment that forbids writing it would time the compiler, not mdrun.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def time_command(
    argv: Sequence[str], cwd: Path | None = None, extra_env: Mapping[str, str] | None = None
) -> float:
    """Wall-clock seconds of one run of `argv`, output discarded; raises if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(
        list(argv),
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=bench_env(extra_env),
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr[-500:]!r}")
    return elapsed


def interleaved_medians(
    commands: Sequence[Sequence[str]],
    runs: int,
    cwd: Path | None = None,
    warmup: int = 2,
    envs: Sequence[Mapping[str, str] | None] = (),
) -> list[float]:
    """Median seconds of each command over `runs` rounds, one run of each per round; `envs`
    adds variables to the commands' environments, by position."""
    extra = [*envs, *[None] * (len(commands) - len(envs))]
    for _ in range(warmup):
        for argv, env in zip(commands, extra, strict=True):
            time_command(argv, cwd, env)
    samples: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for i, argv in enumerate(commands):
            samples[i].append(time_command(argv, cwd, extra[i]))
    return [statistics.median(s) for s in samples]


def row(
    name: str,
    what: str,
    baseline: str,
    subject_s: float,
    baseline_s: float,
    target_ratio: float,
    detail: str = "",
) -> dict[str, object]:
    """A result row for a "subject at most N times the baseline's time" target."""
    ratio = subject_s / baseline_s
    return {
        "name": name,
        "what": what,
        "baseline": baseline,
        "subject_s": round(subject_s, 4),
        "baseline_s": round(baseline_s, 4),
        "ratio": round(ratio, 2),
        "target": f"<= {target_ratio:g}x",
        "passed": ratio <= target_ratio,
        "detail": detail,
    }


def skipped(name: str, what: str, baseline: str, target: str, why: str) -> dict[str, object]:
    """A row for a measure that cannot run yet (the thing measured is missing)."""
    return {
        "name": name,
        "what": what,
        "baseline": baseline,
        "subject_s": None,
        "baseline_s": None,
        "ratio": None,
        "target": target,
        "passed": False,
        "detail": why,
    }
