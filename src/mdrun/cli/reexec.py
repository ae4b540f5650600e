"""`-e K=V` kept off the command line of a run: mdrun runs itself again with the values in its
environment instead, where other local users cannot read them. Imported only when that
happens: `mdrun.cli.main` sees `HIDDEN_ASSIGNMENTS` or a run given `-e`."""

from __future__ import annotations

import argparse
import json
import os
import sys

from mdrun.cli import HIDDEN_ASSIGNMENTS
from mdrun.cli.parser import build_parser, normalise_argv


def take_assignments(raw: list[str], args: argparse.Namespace) -> None:
    """Put the `-e` values a re-exec carried back in front of `args.env`; or, for a run given
    `-e` on its command line (`raw`), re-exec without them when that parses the same."""
    hidden = os.environ.pop(HIDDEN_ASSIGNMENTS, None)
    if hidden is not None:
        args.env = [*json.loads(hidden), *args.env]
    elif args.command == "run" and args.env and not args.dry_run:
        _reexec_without_assignments(raw, args)


def without_assignments(raw: list[str]) -> list[str]:
    """`raw` minus every `-e K=V`, `-eK=V`, `--env K=V` and `--env=K=V` before a `--`."""
    out: list[str] = []
    tokens = iter(raw)
    for token in tokens:
        if token == "--":
            out += [token, *tokens]
        elif token in ("-e", "--env"):
            next(tokens, None)
        elif not token.startswith(("--env=", "-e")) or token.startswith("--env-"):
            out.append(token)
    return out


def _reexec_without_assignments(raw: list[str], args: argparse.Namespace) -> None:
    """Run again with the `-e` values in the environment instead of the command line.

    /proc/PID/cmdline (what `ps` shows) is readable by every local user for the whole run;
    /proc/PID/environ only by the same user. Nothing changes when the shortened command line
    would not parse to the same arguments.
    """
    rest = without_assignments(raw)
    words = normalise_argv(rest)
    try:
        again = build_parser(words).parse_args(words)
    except SystemExit:
        return
    if {**vars(again), "env": args.env} != vars(args) or again.env:
        return
    # A JSON list: an environment value cannot hold the NUL that would separate them.
    env = {**os.environ, HIDDEN_ASSIGNMENTS: json.dumps(args.env)}
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "mdrun", *rest], env)
