"""Command line: argparse (`cli.parser`) and one module per subcommand (`cli.commands.<name>`).

A subcommand's module is imported only when it runs, and imports the stages it needs inside
its functions: `mdrun list` must start in a few tens of milliseconds, and rich, jinja2 and
bashlex are not free.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from mdrun.cli.parser import build_parser, normalise_argv
from mdrun.errors import EXIT_USAGE, error_handler

__all__ = ["main"]

HIDDEN_ASSIGNMENTS = "_MDRUN_HIDDEN_ASSIGNMENTS"
"""Carries `-e` values across the re-exec that takes them out of mdrun's command line
(`cli.reexec`)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mdrun` console script."""
    raw = list(sys.argv[1:] if argv is None else argv)
    words = normalise_argv(raw)
    try:
        args = build_parser(words).parse_args(words)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0) if exc.code in (0, None) else EXIT_USAGE
    with error_handler(verbose=args.verbose):
        if HIDDEN_ASSIGNMENTS in os.environ or (
            args.command == "run" and args.env and not args.dry_run
        ):
            from mdrun.cli.reexec import take_assignments

            take_assignments(raw, args)
        return _handler(args.command)(args)
    return EXIT_USAGE  # pragma: no cover - error_handler always raises or returns


def _handler(command: str) -> Callable[[argparse.Namespace], int]:
    """The `command` function of the subcommand's module, imported only now that it runs."""
    if command == "expand":
        from mdrun.cli.commands.expand import command as handler
    elif command == "list":
        from mdrun.cli.commands.list import command as handler
    elif command == "plan":
        from mdrun.cli.commands.plan import command as handler
    elif command == "check":
        from mdrun.cli.commands.check import command as handler
    elif command == "diff":
        from mdrun.cli.commands.diff import command as handler
    elif command == "run":
        from mdrun.cli.commands.run import command as handler
    elif command == "attach":
        from mdrun.cli.commands.attach import command as handler
    elif command == "profile":
        from mdrun.cli.commands.profile import command as handler
    else:  # pragma: no cover - argparse takes only the names in parser.SUBCOMMANDS
        raise AssertionError(f"no module for the subcommand {command!r}")
    return handler
