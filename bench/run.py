"""Run every benchmark (bench/bench_*.py) and rewrite bench/RESULTS.md.

    python bench/run.py [--quick] [--only TOPIC]...

Each bench_TOPIC.py defines `run(quick) -> list[dict]` (see bench/common.py for the row
keys). Results are kept per topic in bench/results.json, so `--only` refreshes one topic and
leaves the others' last figures in RESULTS.md. Exits 0 even when a target is missed: the
table says so.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import sys
import traceback
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

Row = dict[str, object]


def topics() -> list[str]:
    """Every `bench_TOPIC.py` beside this file, as TOPIC, sorted."""
    return sorted(p.stem.removeprefix("bench_") for p in BENCH.glob("bench_*.py"))


def run_topic(topic: str, quick: bool) -> list[Row]:
    """The topic's rows; a crash becomes one failed row instead of stopping the others."""
    try:
        module = importlib.import_module(f"bench_{topic}")
        rows: list[Row] = module.run(quick=quick)
    except Exception as exc:  # noqa: BLE001 - one broken topic must not hide the others
        traceback.print_exc()
        rows = [
            {
                "name": topic,
                "what": "the whole topic",
                "passed": False,
                "detail": f"crashed: {exc!r}",
            }
        ]
    return rows


def machine() -> str:
    """nproc, CPU model and Python version, in one line."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()} ({sys.executable})"


def _figure(row: Row, key: str) -> str:
    seconds = row.get(f"{key}_s")
    if isinstance(seconds, int | float):
        return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"
    value = row.get(key)
    if isinstance(value, int | float):
        return f"{value} {row.get('unit', '')}".strip()
    return "—"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(rows: list[Row]) -> list[str]:
    lines = ["| name | subject | baseline | ratio | target | passed |", "|---|---|---|---|---|---|"]
    for r in rows:
        ratio = r.get("ratio")
        cells = [
            r.get("name"),
            _figure(r, "subject"),
            _figure(r, "baseline"),
            "—" if ratio is None else f"{ratio}x",
            r.get("target", ""),
            "yes" if r.get("passed") else "**no**",
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines if rows else [*lines, "| (no rows) | | | | | |"]


def _notes(rows: list[Row]) -> list[str]:
    lines = []
    for r in rows:
        what = _cell(r.get("what", "")).rstrip(".")
        base = _cell(r.get("baseline", "")).rstrip(".")
        lines.append(
            f"- **{_cell(r.get('name'))}**: {what}. Baseline: {base}. {_cell(r.get('detail', ''))}"
        )
    return lines


def render(results: dict[str, dict[str, object]]) -> str:
    """RESULTS.md: machine, then one table per topic with its date and every row's detail."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = ["# Benchmark results", "", f"Written by `python bench/run.py` on {now}.", ""]
    out += [f"Machine: {machine()}", ""]
    for topic, result in sorted(results.items()):
        rows: list[Row] = result["rows"]  # type: ignore[assignment]
        quick = " (--quick)" if result.get("quick") else ""
        out += [f"## {topic}", "", f"Measured {result['date']}{quick}.", ""]
        out += [*_table(rows), "", *_notes(rows), ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen topics, print their rows as JSON lines, rewrite RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--only",
        action="append",
        choices=topics(),
        metavar="TOPIC",
        help=f"run only this topic (repeatable): {', '.join(topics())}",
    )
    args = parser.parse_args(argv)
    store = BENCH / "results.json"
    results = json.loads(store.read_text()) if store.exists() else {}
    results = {t: r for t, r in results.items() if t in topics()}
    for topic in args.only or topics():
        print(f"== {topic}", file=sys.stderr)
        rows = run_topic(topic, args.quick)
        for r in rows:
            print(json.dumps(r))
        date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        results[topic] = {"date": date, "quick": args.quick, "rows": rows}
    store.write_text(json.dumps(results, indent=1) + "\n")
    (BENCH / "RESULTS.md").write_text(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
