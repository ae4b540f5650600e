"""`mdrun check` over the whole guidebook store in one call, against one call per guidebook.

A docs tree in pre-commit or CI is checked in one process: the interpreter, the imports and
the parsers start once. The baseline is the same files checked one `mdrun check` each (what a
loop in a shell script, or a hook without batching, does), timed in the same run, interleaved.
Findings are expected (many store guidebooks use madwizard syntax mdrun does not load yet:
MD001), so exit status 1 counts as success here.

When madwizard is installed (`npx madwizard` from bench/node_modules, see README), a third row
times `madwizard plan` of each guidebook, informational: it answers a different question.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, bench_env, row, skipped

STORE = ROOT.parent / "shared" / "store" / "guidebooks"
TARGET = 0.1  # one call at most a tenth of the per-file loop: at least 10x faster
BASELINE = "the same guidebooks, one `mdrun check` call each, interleaved with the subject"
MADWIZARD = ROOT / "bench" / "node_modules" / ".bin" / "madwizard"


def mdrun_argv() -> list[str]:
    """The installed console script when it sits beside this interpreter, else `-m mdrun`."""
    script = Path(sys.executable).parent / "mdrun"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mdrun"]


def timed(argv: Sequence[str], ok: tuple[int, ...] = (0, 1)) -> float:
    """Seconds one run of `argv` takes; an exit status outside `ok` raises."""
    start = time.perf_counter()
    done = subprocess.run(
        list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=bench_env(),
        check=False, cwd=ROOT,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-300:]!r}")
    return elapsed


def guidebooks() -> list[Path]:
    """Every `*.md` of the store, as `mdrun check STORE` finds them."""
    return sorted(p for p in STORE.rglob("*.md") if not any(s.startswith(".") for s in p.parts))


def store_findings() -> str:
    """The one-call run's summary line (how many load, and what is found)."""
    done = subprocess.run(
        [*mdrun_argv(), "check", "--base-path", str(STORE), str(STORE)],
        capture_output=True, text=True, env=bench_env(), check=False, cwd=ROOT,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else f"no output (exit {done.returncode})"


def madwizard_row(books: list[Path], one_call_s: float) -> dict[str, object]:
    """`madwizard plan` of each guidebook, when installed; else a skipped row."""
    name, what = "madwizard-plan-each", "`madwizard plan` of each store guidebook, in sequence"
    binary = str(MADWIZARD) if MADWIZARD.exists() else shutil.which("madwizard")
    if binary is None:
        why = "madwizard not installed (npm install madwizard@9.0.7 in bench/, see README)"
        return skipped(name, what, "mdrun check of the store in one call", "informational", why)
    start = time.perf_counter()
    for book in books:
        timed([binary, "plan", "--no-profile", str(book)], ok=tuple(range(256)))
    total = time.perf_counter() - start
    result = row(name, what, "mdrun check of the store in one call", total, one_call_s, 1e9)
    result.update(target="informational", passed=True)
    result["detail"] = f"{total / len(books) * 1000:.0f} ms a guidebook, {len(books)} guidebooks"
    return result


def run(quick: bool = False) -> list[dict[str, object]]:
    """The `check-store-one-call` row (and madwizard's, when installed)."""
    name = "check-store-one-call"
    what = "`mdrun check --base-path STORE STORE`: every store guidebook in one process"
    if not STORE.is_dir():
        return [skipped(name, what, BASELINE, f"<= {TARGET:g}x", f"{STORE} not found")]
    books = guidebooks()
    argv = [*mdrun_argv(), "check", "--base-path", str(STORE)]
    rounds = 1 if quick else 3
    one, each = [], []
    timed([*argv, str(STORE)])  # warm the page cache and the bytecode
    for _ in range(rounds):
        one.append(timed([*argv, str(STORE)]))
        each.append(sum(timed([*argv, str(book)]) for book in books))
    one_s, each_s = statistics.median(one), statistics.median(each)
    detail = (
        f"median of {rounds}; {len(books)} guidebooks, {each_s / len(books) * 1000:.0f} ms a "
        f"call one by one; {one_s * 1000 / len(books):.1f} ms a guidebook in one call; "
        f"load average {os.getloadavg()[0]:.1f}; {store_findings()}"
    )
    rows = [row(name, what, BASELINE, one_s, each_s, TARGET, detail)]
    rows.append(madwizard_row(books, one_s))
    return rows


if __name__ == "__main__":
    for result in run(quick="--quick" in sys.argv):
        print(json.dumps(result))
