"""`mdrun attach`: follow a runbook submitted with `run --ray` again."""

from __future__ import annotations

import argparse
import os

from mdrun.errors import UsageError


def command(args: argparse.Namespace) -> int:
    """Follow a job submitted by `run --ray` again."""
    from mdrun.ray.runbook import attach

    address = args.ray or os.environ.get("RAY_ADDRESS")
    if not address:
        raise UsageError("no Ray cluster: give --ray ADDRESS or set RAY_ADDRESS")
    if args.log_dir:
        os.makedirs(args.log_dir, mode=0o700, exist_ok=True)
    return attach(address, args.job_id, args.log_dir)
