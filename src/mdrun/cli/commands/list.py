"""`mdrun list`: the runbook's shell blocks as a table, or as JSON (docs/list-schema.md)."""

from __future__ import annotations

import argparse
import sys

from mdrun.cli.options import load_options


def command(args: argparse.Namespace) -> int:
    """Print the block table."""
    from mdrun.choices.wire import load_guidebook
    from mdrun.render.listing import render_list, render_list_json

    runbook = load_guidebook(args.runbook, load_options(args))
    if args.format == "json":
        paths = {b.index: b.choices for b in runbook.blocks}
        sys.stdout.write(render_list_json(runbook, paths))
    else:
        sys.stdout.write(render_list(runbook))
    return 0
