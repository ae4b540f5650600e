"""Print the bad-input table by running mdrun on every case: `python -m tests.adversarial.table`.

    python -m tests.adversarial.table [--fast] [--command plan|list|check|expand]

One row per case in cases.py: the exit code and the first line of stderr that `mdrun COMMAND`
actually gave (the temporary directory's path replaced by `…`), whether that is what the case
expects, and the wall time. `--fast` leaves out the cases marked slow for the command.
docs/RELIABILITY.md holds a copy of its output.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from tests.adversarial.cases import CASES, Case
from tests.conftest import run_mdrun


def observe(case: Case, command: str) -> tuple[int, str, bool, float]:
    """(exit code, first line, as expected, seconds) of `mdrun COMMAND` on the case: stderr's
    first line, or for `check` its first finding."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        runbook = case.build(root)
        start = time.perf_counter()
        proc = run_mdrun(command, runbook, cwd=root, timeout=600)
        elapsed = time.perf_counter() - start
        # `check` reports what the loader refuses as a finding on stdout and exits 1.
        findings = command == "check" and proc.stdout.strip()
        stream = proc.stdout if findings else proc.stderr
        first = stream.splitlines()[0] if stream.strip() else ""
        first = first.replace(str(root.resolve()), "…").replace(str(root), "…")
        expected = {case.expect} if command != "check" or case.expect == 0 else {1, 2}
        ok = proc.returncode in expected and "Traceback" not in proc.stderr
        if case.message is not None:
            ok = ok and re.search(case.message, first) is not None
        return proc.returncode, first, ok, elapsed


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 when a case did not behave as expected (known bugs excepted)."""
    parser = argparse.ArgumentParser(prog="python -m tests.adversarial.table")
    parser.add_argument("--fast", action="store_true", help="skip the slow cases")
    parser.add_argument("--command", default="plan", choices=("plan", "list", "check", "expand"))
    args = parser.parse_args(argv)
    print(f"| case | `mdrun {args.command}` exit | first line of output | expected? | s |")
    print("| --- | --- | --- | --- | --- |")
    surprises = 0
    for case in CASES:
        if args.fast and args.command in case.slow_for:
            continue
        code, first, ok, elapsed = observe(case, args.command)
        verdict = "yes" if ok else ("**no: known bug**" if case.bug else "**NO**")
        if case.id == "runbook-unreadable" and os.geteuid() == 0:
            ok, verdict = True, "n/a: run as root, which reads any mode"
        surprises += not ok and not case.bug
        shown = first.replace("|", "\\|")[:160] or "(none)"
        print(f"| {case.id} | {code} | `{shown}` | {verdict} | {elapsed:.1f} |", flush=True)
    return 1 if surprises else 0


if __name__ == "__main__":
    sys.exit(main())
