"""`mdrun check`: lint runbooks."""

from __future__ import annotations

import argparse
import sys

from mdrun.cli.options import load_options, runbook_paths


def command(args: argparse.Namespace) -> int:
    """Lint; exit 1 when anything is found."""
    from mdrun.lint.check import check_runbooks
    from mdrun.lint.report import render_findings
    from mdrun.lint.shellcheck import MISSING_NOTE, shellcheck_path

    paths = runbook_paths(args)
    unchecked: list[str] = []
    use_shellcheck = not args.no_shellcheck
    findings = check_runbooks(paths, load_options(args), use_shellcheck, unchecked)
    if use_shellcheck and shellcheck_path() is None:
        print(MISSING_NOTE, file=sys.stderr)
    for note in unchecked:
        print(note, file=sys.stderr)
    sys.stdout.write(render_findings(findings, len(paths), args.format))
    return 1 if findings else 0
