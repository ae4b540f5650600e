"""Startup cost of `mdrun list` and `mdrun plan`, as a reviewer runs them.

Both are commands run interactively, so their time is mostly interpreter start plus imports
(and, for `plan`, parsing every block). Each row is a ratio to starting the same interpreter
with `-c pass`, run by run in the same invocation. Targets: `plan` at most 8x, `list` 6x.
`MDRUN_BENCH_BEFORE=PATH` adds informational `-before` rows: the same commands with another
interpreter's mdrun (another checkout's virtual environment), against its own `-c pass`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, bench_env, interleaved_medians, mdrun_command, row, skipped

RUNBOOKS = {
    "": ROOT / "runbooks" / "stream-logs.md",
    "-seedlike": ROOT / "tests" / "fixtures" / "seedlike" / "stream-logs.md",
}
TARGETS = {"list": 6.0, "plan": 8.0}
HEAVY = ("rich", "jinja2", "bashlex", "tree_sitter", "yaml", "requests", "markdown", "pymdownx")
BASELINE = "the same Python interpreter running `-c pass`, interleaved with the subject"


def import_profile(python: str, command: str, runbook: Path) -> str:
    """Top imports by cumulative time under `-X importtime`, and heavy modules that got in."""
    script = mdrun_command(python)
    start = script if len(script) == 1 else ["-m", "mdrun"]  # the script, run by `python -X`
    proc = subprocess.run(
        [python, "-X", "importtime", *start, command, runbook.name],
        cwd=runbook.parent,
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


def measure(python: str, command: str, suffix: str, runs: int) -> dict[str, object]:
    """One row: `mdrun COMMAND RUNBOOK` (the installed command) against `python -c pass`."""
    runbook = RUNBOOKS[suffix]
    name = f"{command}-startup{suffix}"
    what = f"`mdrun {command} {runbook.relative_to(ROOT)}` (the installed command), wall time"
    if python != sys.executable:
        what += f", with `{python}`"
    subject = [*mdrun_command(python), command, runbook.name]
    baseline = [python, "-c", "pass"]
    try:
        subject_s, baseline_s = interleaved_medians([subject, baseline], runs, cwd=runbook.parent)
    except RuntimeError as exc:
        return skipped(name, what, BASELINE, f"<= {TARGETS[command]:g}x", f"failed: {exc}")
    detail = (
        f"median of {runs}, load average {os.getloadavg()[0]:.1f}, bytecode caches on; "
        + import_profile(python, command, runbook)
    )
    return row(name, what, BASELINE, subject_s, baseline_s, TARGETS[command], detail)


def run(quick: bool = False) -> list[dict[str, object]]:
    """`list-startup` and `plan-startup` rows, for the shipped runbook and the seed-shaped one
    (and `-before` rows for `MDRUN_BENCH_BEFORE`'s interpreter)."""
    runs = 5 if quick else 21
    rows = [measure(sys.executable, c, suffix, runs) for suffix in RUNBOOKS for c in TARGETS]
    before = os.environ.get("MDRUN_BENCH_BEFORE")
    for suffix in RUNBOOKS if before else ():
        for command in TARGETS:
            result = measure(str(before), command, suffix, runs)
            result.update(name=f"{result['name']}-before", target="informational", passed=True)
            rows.append(result)
    return rows


if __name__ == "__main__":
    for result in run(quick="--quick" in sys.argv):
        print(json.dumps(result))
