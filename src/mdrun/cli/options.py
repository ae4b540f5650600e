"""What the input options every runbook-reading subcommand shares mean to the loader."""

from __future__ import annotations

import argparse

from mdrun.model import LoadOptions


def load_options(args: argparse.Namespace) -> LoadOptions:
    """The loader's options from `--base-path`, `--store`, `--allow-outside-root` and
    `--allow-url`."""
    # What only reads a runbook shows a URL import it may not fetch; what runs it refuses.
    reads = args.command in ("list", "plan", "check", "diff") or getattr(args, "dry_run", False)
    return LoadOptions(
        base_paths=tuple(args.base_path),
        stores=tuple(args.store),
        allow_outside_root=args.allow_outside_root,
        allow_url=args.allow_url,
        leave_urls=reads,
    )


def runbook_paths(args: argparse.Namespace) -> list[str]:
    """The runbooks named on the command line, directories searched (`load.discover`)."""
    from mdrun.load.discover import runbook_paths as found

    if not hasattr(args, "runbooks"):
        return [args.runbook]
    return found(args.runbooks, args.exclude)
