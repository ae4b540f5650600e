"""`mdrun diff`: what a change does to the runbooks' plans."""

from __future__ import annotations

import argparse
import os
import sys

from mdrun.cli.options import load_options


def command(args: argparse.Namespace) -> int:
    """Plan each runbook at the base and in the working tree; print what differs."""
    from mdrun.diff.command import diff_paths, diff_runbook
    from mdrun.diff.gittree import GitTree
    from mdrun.diff.report import render_diffs
    from mdrun.diff.revisions import repository_top, resolve_base
    from mdrun.plan.environment import initial_environment

    base = resolve_base(repository_top(), args.base)
    tree = GitTree(base.top, base.commit)
    env = initial_environment(os.environ, args.env, args.env_file)
    paths = diff_paths(args.runbooks, args.exclude)
    diffs = [diff_runbook(p, base, tree, load_options(args), env, args.show_secrets) for p in paths]
    sys.stdout.write(render_diffs(diffs, args.format))
    return 1 if args.exit_code and any(d.changed for d in diffs) else 0
