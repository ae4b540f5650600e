"""`mdrun expand`: the runbook with its includes and imports resolved."""

from __future__ import annotations

import argparse
import sys

from mdrun.cli.options import load_options


def command(args: argparse.Namespace) -> int:
    """Print the expanded Markdown."""
    from mdrun.load.loader import load_document

    doc = load_document(args.runbook, load_options(args))
    sys.stdout.write(doc.text)
    return 0
