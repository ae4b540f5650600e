"""Soak: the fuzz properties run with a large budget, at least 100,000 generated inputs in all.

Each row is one property, run by pytest with `MDRUN_FUZZ_EXAMPLES` raised (Hypothesis counts
the inputs it ran; `--hypothesis-show-statistics` reports them), except `soak-guard-batched`,
which reuses bench_guards' generator and batched bash with its own seed. A failing property
stops at its first counterexample (Hypothesis shrinks it): `crashes` or `disagreements` is then
1 and the row's detail holds pytest's last lines. The last row sums the others.

    python bench/bench_soak.py [--quick]      (quick: 1/50 of the budget)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT

Row = dict[str, object]

# (name, pytest node, examples at full budget, what a failure is, what it is compared with)
PROPERTIES = (
    (
        "soak-expander-vs-pymdownx",
        "tests/test_includes_differential.py::test_same_output_as_pymdownx",
        10_000,
        "disagreements",
        "pymdownx.snippets expanding the same generated file tree",
    ),
    (
        "soak-guard-vs-bash",
        "tests/test_guards_vs_bash.py::test_decided_verdicts_agree_with_bash",
        3_000,
        "disagreements",
        "bash evaluating the same condition alone in a sandboxed subprocess",
    ),
    (
        "soak-planner-shellish",
        "tests/test_planner.py::test_planning_never_raises",
        20_000,
        "crashes",
        "none: the planner must not raise on random shell-ish bodies and when= conditions",
    ),
    (
        "soak-pipeline-random-text",
        "tests/adversarial/test_fuzz.py::test_random_text_is_refused_cleanly_or_planned_and_never_runs",
        15_000,
        "crashes",
        "none: load, plan and render random Markdown+shell; MdrunError or a plan, no canary",
    ),
)
GUARD_BATCHED = 60_000


def _pytest_property(node: str, examples: int) -> tuple[int, bool, float, str]:
    """(inputs run, passed, seconds, pytest's tail) for one Hypothesis test at `examples`."""
    env = {**os.environ, "MDRUN_FUZZ_EXAMPLES": str(examples), "NO_COLOR": "1"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", node, "-q", "-p", "no:randomly", "-x",
         "--hypothesis-show-statistics", "--hypothesis-seed=20261126", "--timeout=2400"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    counts = re.findall(r"(\d+) passing, (\d+) failing", done.stdout)
    inputs = sum(int(p) + int(f) for p, f in counts)
    tail = " | ".join(done.stdout.strip().splitlines()[-3:])
    return inputs, done.returncode == 0, elapsed, tail


def _row(name: str, inputs: int, failures: int, kind: str, baseline: str, secs: float) -> Row:
    return {
        "name": name,
        "what": f"{inputs} generated inputs; {kind} counted",
        "baseline": baseline,
        "subject": inputs,
        "baseline_s": None,
        "subject_s": round(secs / max(inputs, 1), 6),
        "unit": "inputs",
        "ratio": round(failures / max(inputs, 1), 6),
        "target": f"0 {kind}",
        "passed": failures == 0 and inputs > 0,
        "detail": f"{kind}: {failures}; {secs:.0f} s wall",
    }


def run(quick: bool = False) -> list[Row]:
    """One row per property and a total row."""
    scale = 50 if quick else 1
    rows: list[Row] = []
    for name, node, examples, kind, baseline in PROPERTIES:
        inputs, passed, secs, tail = _pytest_property(node, examples // scale)
        row = _row(name, inputs, 0 if passed else 1, kind, baseline, secs)
        if not passed:
            row["detail"] = f"{row['detail']}; {tail}"
        rows.append(row)
    import bench_guards  # after the pytest runs: it imports mdrun, which they do not need

    start = time.perf_counter()
    guard = bench_guards.guard_soak(GUARD_BATCHED // scale, seed=6)
    secs = time.perf_counter() - start
    failures = int(re.search(r"disagreements: (\d+)", str(guard["detail"])).group(1))  # type: ignore[union-attr]
    row = _row("soak-guard-batched", GUARD_BATCHED // scale, failures, "disagreements",
               "bash evaluating the same conditions, batched 1,000 per process", secs)  # fmt: skip
    row["detail"] = f"{row['detail']}; {guard['detail']}"
    rows.append(row)
    total = sum(int(r["subject"]) for r in rows)  # type: ignore[call-overload]
    bad = sum(int(re.match(r"\w+: (\d+)", str(r["detail"])).group(1)) for r in rows)  # type: ignore[union-attr]
    rows.append(_row("soak-total", total, bad, "failures", "the rows above", 0.0))
    rows[-1]["target"] = ">= 100000 inputs (full), 0 failures"
    rows[-1]["passed"] = bad == 0 and (quick or total >= 100_000)
    return rows


if __name__ == "__main__":
    import json

    for result in run(quick="--quick" in sys.argv):
        print(json.dumps(result, ensure_ascii=False), flush=True)
