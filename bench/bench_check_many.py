"""`mdrun check` over the whole guidebook store in one call, against one call per guidebook.

A docs tree in pre-commit or CI is checked in one process: the interpreter, the imports and
the parsers start once. The baseline is the same files checked one `mdrun check` each (what a
loop in a shell script, or a hook without batching, does), timed in the same run, interleaved.
Findings are expected (the store has spinning loops and dead code), so exit status 1 counts as
success here. The target row leaves shellcheck out (`--no-shellcheck`: mdrun's own work, the
same on every machine); where shellcheck is installed a second row times both with it (each
distinct body is checked once per call, so the one call gains more).

Where madwizard is installed (tests/test_madwizard_differential.py installs it into the user
cache, as for bench_madwizard.py), another row times `madwizard plan` of each guidebook, one
node process each, against mdrun's one call: informational, since madwizard answers a
different question (a tree of choices), but it is what a store's users ran.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_madwizard import MADWIZARD, missing_madwizard
from common import ROOT, bench_env, row, skipped

STORE = ROOT.parent / "shared" / "store" / "guidebooks"
TARGET = 0.1  # one call at most a tenth of the per-file loop: at least 10x faster
BASELINE = "the same guidebooks, one `mdrun check` call each, interleaved with the subject"
MADWIZARD_SAMPLE = 20
"""Guidebooks madwizard plans with --quick (each takes about a second)."""


def mdrun_argv() -> list[str]:
    """The installed console script when it sits beside this interpreter, else `-m mdrun`."""
    script = Path(sys.executable).parent / "mdrun"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mdrun"]


def timed(
    argv: Sequence[str], ok: tuple[int, ...] = (0, 1), extra: dict[str, str] | None = None
) -> float:
    """Seconds one run of `argv` takes; an exit status outside `ok` raises."""
    start = time.perf_counter()
    done = subprocess.run(
        list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=bench_env(extra),
        check=False, cwd=ROOT,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-300:]!r}")
    return elapsed


def guidebooks() -> list[Path]:
    """Every `*.md` of the store, as `mdrun check STORE` finds them."""
    return sorted(p for p in STORE.rglob("*.md") if not any(s.startswith(".") for s in p.parts))


def store_findings(*flags: str) -> str:
    """The one-call run's summary line (how many load, and what is found)."""
    done = subprocess.run(
        [*mdrun_argv(), "check", *flags, "--base-path", str(STORE), str(STORE)],
        capture_output=True, text=True, env=bench_env(), check=False, cwd=ROOT,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else f"no output (exit {done.returncode})"


def madwizard_row(books: list[Path], one_call_s: float, quick: bool) -> dict[str, object]:
    """`madwizard plan` of each guidebook (a sample with `quick`) against mdrun's one call."""
    name = "check-store-vs-madwizard-plan"
    what = "`mdrun check` of the store in one call, against `madwizard plan` of each guidebook"
    baseline = "madwizard 9.0.7 `plan` of each guidebook, one node process each, same run"
    why = missing_madwizard()
    if why:
        return skipped(name, what, baseline, "informational", why)
    shutil.copy(ROOT / "tests" / "madwizard" / "plan.mjs", MADWIZARD / "plan.mjs")
    sample = books[:: max(1, len(books) // MADWIZARD_SAMPLE)] if quick else books
    with tempfile.TemporaryDirectory(prefix="mdrun-bench-madwizard-") as home:
        env = {"HOME": home}  # madwizard keeps profiles in ~/.madwizard
        plan = ["node", str(MADWIZARD / "plan.mjs"), str(STORE)]
        per_book = [timed([*plan, str(b)], (0, 1), env) for b in sample]
    total = statistics.mean(per_book) * len(books)
    result = row(name, what, baseline, one_call_s, total, 1.0)
    result.update(target="informational", passed=True, ratio=round(one_call_s / total, 4))
    counted = (
        f"all {len(books)}"
        if len(sample) == len(books)
        else f"{len(sample)}, the store's {len(books)} extrapolated from their mean"
    )
    result["detail"] = (
        f"madwizard {statistics.median(per_book) * 1000:.0f} ms a guidebook (median; {counted}); "
        f"mdrun's one call is {total / one_call_s:.0f}x faster"
    )
    return result


def run(quick: bool = False) -> list[dict[str, object]]:
    """The `check-store-one-call` row, its shellcheck twin where shellcheck is installed, and
    madwizard's where it is installed."""
    name = "check-store-one-call"
    what = "`mdrun check --no-shellcheck --base-path STORE STORE`: the store in one process"
    if not STORE.is_dir():
        return [skipped(name, what, BASELINE, f"<= {TARGET:g}x", f"{STORE} not found")]
    books = guidebooks()
    rounds = 1 if quick else 3
    one_s, rows = one_call_row(name, what, books, rounds, ["--no-shellcheck"], TARGET)
    if shutil.which("shellcheck") is not None:
        what = "`mdrun check --base-path STORE STORE` with shellcheck installed"
        rows += one_call_row(f"{name}-shellcheck", what, books, rounds, [], None)[1]
    rows.append(madwizard_row(books, one_s, quick))
    return rows


def one_call_row(
    name: str, what: str, books: list[Path], rounds: int, flags: list[str], target: float | None
) -> tuple[float, list[dict[str, object]]]:
    """The store checked in one call against one call per guidebook, `rounds` times each."""
    argv = [*mdrun_argv(), "check", *flags, "--base-path", str(STORE)]
    one, each = [], []
    timed([*argv, str(STORE)])  # warm the page cache and the bytecode
    for _ in range(rounds):
        one.append(timed([*argv, str(STORE)]))
        each.append(sum(timed([*argv, str(book)]) for book in books))
    one_s, each_s = statistics.median(one), statistics.median(each)
    detail = (
        f"{each_s / one_s:.0f}x faster in one call; median of {rounds}; {len(books)} "
        f"guidebooks, {each_s / len(books) * 1000:.0f} ms a call one by one; "
        f"{one_s * 1000 / len(books):.1f} ms a guidebook in one call; "
        f"load average {os.getloadavg()[0]:.1f}; {store_findings(*flags)}"
    )
    result = row(name, what, BASELINE, one_s, each_s, target or 1.0, detail)
    if target is None:
        result.update(target="informational", passed=True)
    return one_s, [result]


if __name__ == "__main__":
    for result in run(quick="--quick" in sys.argv):
        print(json.dumps(result))
