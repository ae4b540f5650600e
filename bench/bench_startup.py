"""Startup cost of `mdrun list` and `mdrun plan` on the seed-shaped runbook.

Both are commands a reviewer runs interactively, so their time is mostly interpreter start plus
imports; the target is a small multiple of starting the same interpreter with `-c pass`.

The targets are for the runbook as a reviewer re-runs it: unchanged, its parses kept in mdrun's
cache (a private cache directory per benchmark run, filled by the warm-up runs). The `-uncached`
rows time the same commands with `MDRUN_PARSE_CACHE=off`, what the first look at a new or
edited runbook costs: both parsers imported, every block parsed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, bench_env, interleaved_medians, row, skipped

SEEDLIKE = ROOT / "tests" / "fixtures" / "seedlike"
RUNBOOK = "stream-logs.md"
TARGET = 8.0
HEAVY = ("rich", "jinja2", "tree_sitter", "yaml", "requests", "markdown", "pymdownx")
BASELINE = "the same Python interpreter running `-c pass`, interleaved with the subject"


def mdrun_argv() -> list[str]:
    """The installed console script when it sits beside this interpreter, else `-m mdrun`."""
    script = Path(sys.executable).parent / "mdrun"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mdrun"]


def import_profile(command: str, extra_env: dict[str, str]) -> str:
    """Top imports by cumulative time under `-X importtime`, and heavy modules that got in."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mdrun", command, RUNBOOK],
        cwd=SEEDLIKE,
        capture_output=True,
        text=True,
        check=False,
        env=bench_env(extra_env),
    )
    top: list[tuple[int, str]] = []
    loaded: set[str] = set()
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        loaded.add(name.strip().split(".")[0])
        if not name.startswith("  "):  # a module imported directly by the command
            top.append((int(parts[1]), name.strip()))
    top.sort(reverse=True)
    heavy = sorted(loaded.intersection(HEAVY))
    shown = ", ".join(f"{n} {us / 1000:.0f} ms" for us, n in top[:5])
    return f"importtime top: {shown}; heavy modules imported: {', '.join(heavy) or 'none'}"


def measure(command: str, runs: int, cache: str, cached: bool) -> dict[str, object]:
    """One row: `mdrun COMMAND` on the seed-shaped runbook against `python -c pass`."""
    name = f"{command}-startup" + ("" if cached else "-uncached")
    what = f"`mdrun {command}` on the seed-shaped runbook (tests/fixtures/seedlike), wall time"
    what += ", parses cached" if cached else ", `MDRUN_PARSE_CACHE=off`"
    target = f"<= {TARGET:g}x" if cached else "informational"
    env = {"XDG_CACHE_HOME": cache, **({} if cached else {"MDRUN_PARSE_CACHE": "off"})}
    subject = [*mdrun_argv(), command, RUNBOOK]
    module = [sys.executable, "-m", "mdrun", command, RUNBOOK]
    baseline = [sys.executable, "-c", "pass"]
    try:
        subject_s, module_s, baseline_s = interleaved_medians(
            [subject, module, baseline], runs, cwd=SEEDLIKE, envs=[env, env]
        )
    except RuntimeError as exc:
        return skipped(name, what, BASELINE, target, f"command failed: {exc}")
    load = os.getloadavg()[0]
    detail = (
        f"median of {runs}, load average {load:.1f}, bytecode caches on; "
        f"`python -m mdrun {command}` {module_s * 1000:.1f} ms ({module_s / baseline_s:.1f}x); "
        + import_profile(command, env)
    )
    result = row(name, what, BASELINE, subject_s, baseline_s, TARGET, detail)
    if not cached:
        result.update(target=target, passed=True)
    return result


def run(quick: bool = False) -> list[dict[str, object]]:
    """`list-startup` and `plan-startup` rows, parses cached and not."""
    runs = 5 if quick else 21
    with tempfile.TemporaryDirectory(prefix="mdrun-bench-cache-") as cache:
        return [
            measure(command, runs, cache, cached)
            for cached in (True, False)
            for command in ("list", "plan")
        ]


if __name__ == "__main__":
    for result in run(quick="--quick" in sys.argv):
        print(json.dumps(result))
