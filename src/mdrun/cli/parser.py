"""mdrun's argument parser: each subcommand's arguments, and the parser built for one command
line."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from mdrun import __version__


def _add_input_options(p: argparse.ArgumentParser, many: bool = False) -> None:
    """The runbook (or, `many`, runbooks and `--exclude`) and how it is read: includes, stores,
    the environment, `-v`."""
    _add_runbooks(p, many)
    p.add_argument(
        "--base-path",
        action="append",
        default=[],
        metavar="DIR",
        help="where includes are looked up (repeatable; default: the runbook's directory, "
        "then a snippets/ directory beside or above it)",
    )
    p.add_argument(
        "--store",
        action="append",
        default=[],
        metavar="DIR",
        help="a guidebook store root: imports and includes not starting with ./ or ../ are "
        "looked up there first (repeatable)",
    )
    p.add_argument(
        "--allow-outside-root",
        action="store_true",
        help="let includes escape the runbook's directory and base paths",
    )
    p.add_argument("--allow-url", action="store_true", help="permit https:// includes")
    p.add_argument(
        "-e",
        "--env",
        action="append",
        default=[],
        metavar="K=V",
        help="set an environment variable for planning and running (repeatable)",
    )
    p.add_argument(
        "--env-file", action="append", default=[], metavar="FILE", help="KEY=VALUE lines"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="tracebacks for internal errors")


def _add_runbooks(p: argparse.ArgumentParser, many: bool) -> None:
    if many:
        p.add_argument(
            "runbooks",
            nargs="+",
            metavar="PATH",
            help="runbooks, or directories to search for *.md",
        )
        p.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="GLOB",
            help="leave out matching paths (repeatable; as a line of .mdrunignore)",
        )
    else:
        p.add_argument("runbook", help="the Markdown runbook")


def _expand_arguments(p: argparse.ArgumentParser) -> None:
    _add_input_options(p)


def _list_arguments(p: argparse.ArgumentParser) -> None:
    _add_input_options(p)
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="json: docs/list-schema.md"
    )


def _plan_arguments(p: argparse.ArgumentParser) -> None:
    _add_input_options(p, many=True)
    _add_plan_options(p)
    p.add_argument(
        "--fail-on-unknown",
        action="store_true",
        help="print no plan; exit 1 if the declared inputs leave a block's verdict unknown",
    )


def _check_arguments(p: argparse.ArgumentParser) -> None:
    _add_input_options(p, many=True)
    p.add_argument(
        "--format", choices=("text", "json", "github"), default="text", help="default: text"
    )
    p.add_argument(
        "--no-shellcheck",
        action="store_true",
        help="leave shell findings (SCnnnn) out, where shellcheck runs on its own",
    )


def _diff_arguments(p: argparse.ArgumentParser) -> None:
    _add_input_options(p, many=True)
    p.add_argument(
        "--base", metavar="REV", help="default: the merge base with the default branch, else HEAD"
    )
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--exit-code", action="store_true", help="exit 1 when anything changed")
    p.add_argument("--show-secrets", action="store_true", help="do not redact secret values")


def _run_arguments(p: argparse.ArgumentParser) -> None:
    _add_input_options(p)
    _add_plan_options(p)
    p.add_argument("--dry-run", action="store_true", help="same as `mdrun plan`")
    p.add_argument("--log-dir", metavar="DIR", help="default: $MDRUN_LOG_DIR or .mdrun/runs/TS")
    p.add_argument(
        "--grace",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds between SIGTERM and SIGKILL when stopping blocks (default: 5)",
    )
    p.add_argument("--pty", action="store_true", help="run every block under a pseudo-terminal")
    p.add_argument("--keep-going", action="store_true", help="go on after a failing sync block")
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run the whole runbook as one job on the Ray cluster whose dashboard is ADDRESS",
    )
    p.add_argument("--detach", action="store_true", help="with --ray: print the job id, return")


def _attach_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("job_id", metavar="JOB_ID", help="the job id `run --ray` printed")
    p.add_argument("--ray", metavar="ADDRESS", help="the dashboard (default: $RAY_ADDRESS)")
    p.add_argument("--log-dir", metavar="DIR", help="also keep the job's console in DIR")
    p.add_argument("-v", "--verbose", action="store_true", help="tracebacks for internal errors")


def _profile_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("list", "show", "clear", "import"))
    p.add_argument("name", nargs="?", help="the profile (import: the name to save it as)")
    p.add_argument("source", nargs="?", help="import: a madwizard profile file or name")
    p.add_argument("-v", "--verbose", action="store_true", help="tracebacks for internal errors")


SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "expand": ("print the runbook with includes and imports resolved", _expand_arguments),
    "list": ("list the runbook's shell blocks", _list_arguments),
    "plan": ("decide, without executing, which blocks would run", _plan_arguments),
    "check": ("lint runbooks", _check_arguments),
    "diff": ("what a change does to the runbooks' plans", _diff_arguments),
    "run": ("run the runbook (mdrun RUNBOOK is short for this)", _run_arguments),
    "attach": ("follow a runbook submitted with `run --ray` again", _attach_arguments),
    "profile": ("list, show, clear or import saved answers", _profile_arguments),
}
"""Each subcommand's one-line help and the function that adds its arguments."""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """mdrun's argument parser. Given the (normalised) command line, only the subcommand it
    names is built: argparse hands everything after the name to that subcommand's parser
    alone, and the others are only needed to list them (`mdrun --help`) or to say that a word
    is none of them. Without a subcommand first (`--help`, `--version`, nothing, a typo),
    every one is built."""
    top = argparse.ArgumentParser(
        prog="mdrun", description="Run Markdown runbooks: plan them, check them, run them."
    )
    top.add_argument("--version", action="version", version=f"mdrun {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    named = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    for name, (about, add_arguments) in SUBCOMMANDS.items():
        if named in (None, name):
            add_arguments(sub.add_parser(name, help=about))
    return top


def _add_plan_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("text", "markdown", "json", "sh"),
        default="text",
        help="how to render the plan (default: text)",
    )
    p.add_argument("--show-secrets", action="store_true", help="do not redact secret values")
    p.add_argument(
        "--show-env",
        action="store_true",
        help="json: list every inherited variable, not only those the runbook reads or sets",
    )
    p.add_argument(
        "--choose",
        action="append",
        default=[],
        metavar="NAME=ANSWER",
        help="answer a question (its id, key or name; the answer's name or a regex; repeatable;"
        ' a multi-select takes several flags or a JSON list, NAME=\'["a","b"]\')',
    )
    p.add_argument(
        "--assert",
        dest="assert_",
        action="append",
        default=[],
        metavar="NAME=ANSWER",
        help="madwizard's spelling of --choose",
    )
    p.add_argument("--profile", metavar="NAME", help="read answers from, and save them to, NAME")


def normalise_argv(argv: list[str]) -> list[str]:
    """`mdrun [OPTIONS] RUNBOOK` is `mdrun run [OPTIONS] RUNBOOK`."""
    if not argv or argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help", "--version"):
        return argv
    return ["run", *argv]
