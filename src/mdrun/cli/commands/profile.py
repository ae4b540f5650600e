"""`mdrun profile`: list, show, clear or import saved answers."""

from __future__ import annotations

import argparse
import sys


def command(args: argparse.Namespace) -> int:
    """Manage saved answers."""
    from mdrun.choices.profilecmd import profile_command

    return profile_command(args.action, args.name, sys.stdout, args.source)
