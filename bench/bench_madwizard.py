"""`mdrun plan` against `madwizard plan` of the seed's home in the store, side by side.

Both plan `ml/ray/run/logs.md` of `../shared/store/guidebooks` with the store root as
`--store`; madwizard 9.0.7 is the one tests/test_madwizard_differential.py installs from npm
(into the user cache), run through its CLI entry point by tests/madwizard/plan.mjs. The target:
mdrun at least 8x faster, i.e. at most 0.125 of madwizard's time. A second row holds the same
plan to the house bound for `plan` (bench_startup.py): at most 8x `python -c pass`, timed in the
same rounds.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, interleaved_medians, mdrun_command, row, skipped

STORE = ROOT.parent / "shared" / "store" / "guidebooks"
GUIDEBOOK = STORE / "ml" / "ray" / "run" / "logs.md"
ORACLES = Path(os.environ.get("MDRUN_ORACLES", Path.home() / ".cache" / "mdrun-oracles"))
MADWIZARD = ORACLES / "madwizard-9.0.7"
"""Where tests/test_madwizard_differential.py installs madwizard."""
TARGET = 1 / 8
NAME, WHAT = "plan-vs-madwizard", "`mdrun plan --store` of the store's ml/ray/run/logs.md"
BASELINE = "`madwizard plan --store` (9.0.7, node) of the same file, interleaved"
STARTUP_BASELINE = "the same Python interpreter running `-c pass`, in the same rounds"


def run(quick: bool) -> list[dict[str, object]]:
    """One row: mdrun's median time over madwizard's."""
    why = missing_madwizard()
    if why:
        return [skipped(NAME, WHAT, BASELINE, f"<= {TARGET:g}x", why)]
    shutil.copy(ROOT / "tests" / "madwizard" / "plan.mjs", MADWIZARD / "plan.mjs")
    ours = [*mdrun_command(sys.executable), "plan", "--store", str(STORE), str(GUIDEBOOK)]
    theirs = ["node", "plan.mjs", str(STORE), str(GUIDEBOOK)]
    runs = 3 if quick else 9
    python = [sys.executable, "-c", "pass"]
    mdrun_s, madwizard_s, python_s = interleaved_medians(
        [ours, theirs, python], runs, cwd=MADWIZARD, warmup=1
    )
    load = f"median of {runs}, load average {os.getloadavg()[0]:.1f}"
    detail = f"{load}; mdrun is {madwizard_s / mdrun_s:.1f}x faster"
    return [
        row(NAME, WHAT, BASELINE, mdrun_s, madwizard_s, TARGET, detail),
        row("plan-store-startup", WHAT, STARTUP_BASELINE, mdrun_s, python_s, 8.0, load),
    ]


def missing_madwizard() -> str:
    """Why madwizard cannot be run here, or "" when it can."""
    if not GUIDEBOOK.exists():
        return f"no guidebook store at {STORE}"
    if shutil.which("node") is None:
        return "node is not installed"
    if not (MADWIZARD / "node_modules" / "madwizard").is_dir():
        return "madwizard is not installed: run tests/test_madwizard_differential.py once"
    return ""


if __name__ == "__main__":
    for result in run("--quick" in sys.argv):
        print(result)
