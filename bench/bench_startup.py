"""Startup cost of `mdrun list` and `mdrun plan` on the seed-shaped runbook.

Both are commands a reviewer runs interactively, so their time is mostly interpreter start plus
imports; the target is a small multiple of starting the same interpreter with `-c pass`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, bench_env, interleaved_medians, row, skipped

SEEDLIKE = ROOT / "tests" / "fixtures" / "seedlike"
RUNBOOK = "stream-logs.md"
TARGET = 8.0
HEAVY = ("rich", "jinja2", "bashlex", "yaml", "requests", "markdown", "pymdownx")
BASELINE = "the same Python interpreter running `-c pass`, interleaved with the subject"


def mdrun_argv() -> list[str]:
    """The installed console script when it sits beside this interpreter, else `-m mdrun`."""
    script = Path(sys.executable).parent / "mdrun"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mdrun"]


def import_profile(command: str) -> str:
    """Top imports by cumulative time under `-X importtime`, and heavy modules that got in."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mdrun", command, RUNBOOK],
        cwd=SEEDLIKE,
        capture_output=True,
        text=True,
        check=False,
        env=bench_env(),
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


def measure(command: str, runs: int) -> dict[str, object]:
    """One row: `mdrun COMMAND` on the seed-shaped runbook against `python -c pass`."""
    name = f"{command}-startup"
    what = f"`mdrun {command}` on the seed-shaped runbook (tests/fixtures/seedlike), wall time"
    subject = [*mdrun_argv(), command, RUNBOOK]
    module = [sys.executable, "-m", "mdrun", command, RUNBOOK]
    baseline = [sys.executable, "-c", "pass"]
    try:
        subject_s, module_s, baseline_s = interleaved_medians(
            [subject, module, baseline], runs, cwd=SEEDLIKE
        )
    except RuntimeError as exc:
        return skipped(name, what, BASELINE, f"<= {TARGET:g}x", f"command failed: {exc}")
    load = os.getloadavg()[0]
    detail = (
        f"median of {runs}, load average {load:.1f}, bytecode caches on; "
        f"`python -m mdrun {command}` {module_s * 1000:.1f} ms ({module_s / baseline_s:.1f}x); "
        + import_profile(command)
    )
    return row(name, what, BASELINE, subject_s, baseline_s, TARGET, detail)


def run(quick: bool = False) -> list[dict[str, object]]:
    """`list-startup` and `plan-startup` rows (the latter skipped while there is no planner)."""
    runs = 5 if quick else 21
    rows = [measure("list", runs)]
    if importlib.util.find_spec("mdrun.planner") is None:
        what = "`mdrun plan` on the seed-shaped runbook (tests/fixtures/seedlike), wall time"
        rows.append(
            skipped("plan-startup", what, BASELINE, f"<= {TARGET:g}x", "planner not available")
        )
    else:
        rows.append(measure("plan", runs))
    return rows


if __name__ == "__main__":
    for result in run(quick="--quick" in sys.argv):
        print(json.dumps(result))
