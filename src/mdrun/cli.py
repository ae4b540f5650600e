"""Command line: argparse and one call per subcommand, nothing else.

Heavy modules are imported inside the subcommand functions: `mdrun list` must start in a few
tens of milliseconds, and rich, jinja2 and bashlex are not free.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from mdrun import __version__
from mdrun.errors import EXIT_USAGE, UsageError, error_handler
from mdrun.model import LoadOptions

if TYPE_CHECKING:
    from mdrun.choices.lazy import RunSettling
    from mdrun.model import Answer, Plan, Runbook

HIDDEN_ASSIGNMENTS = "_MDRUN_HIDDEN_ASSIGNMENTS"
"""Carries `-e` values across the re-exec that takes them out of mdrun's command line."""


def _add_input_options(p: argparse.ArgumentParser, many: bool = False) -> None:
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


def _parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """mdrun's argument parser. Given the (normalised) command line, only the subcommand it
    names is built: argparse hands everything after the name to that subcommand's parser
    alone, and the others are only needed to list them (`mdrun --help`) or to say that a word
    is none of them. Without a subcommand first (`--help`, `--version`, nothing, a typo),
    every one is built."""
    parser = argparse.ArgumentParser(
        prog="mdrun", description="Run Markdown runbooks: plan them, check them, run them."
    )
    parser.add_argument("--version", action="version", version=f"mdrun {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    named = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    for name, (about, add_arguments) in SUBCOMMANDS.items():
        if named in (None, name):
            add_arguments(sub.add_parser(name, help=about))
    return parser


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


def _normalise_argv(argv: list[str]) -> list[str]:
    """`mdrun [OPTIONS] RUNBOOK` is `mdrun run [OPTIONS] RUNBOOK`."""
    if not argv or argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help", "--version"):
        return argv
    return ["run", *argv]


def _load_options(args: argparse.Namespace) -> LoadOptions:
    # What only reads a runbook shows a URL import it may not fetch; what runs it refuses.
    reads = args.command in ("list", "plan", "check", "diff") or getattr(args, "dry_run", False)
    return LoadOptions(
        base_paths=tuple(args.base_path),
        stores=tuple(args.store),
        allow_outside_root=args.allow_outside_root,
        allow_url=args.allow_url,
        leave_urls=reads,
    )


def cmd_expand(args: argparse.Namespace) -> int:
    """Print the expanded Markdown."""
    from mdrun.load.loader import load_document

    doc = load_document(args.runbook, _load_options(args))
    sys.stdout.write(doc.text)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print the block table."""
    from mdrun.choices.wire import load_guidebook
    from mdrun.render.listing import render_list, render_list_json

    runbook = load_guidebook(args.runbook, _load_options(args))
    if args.format == "json":
        paths = {b.index: b.choices for b in runbook.blocks}
        sys.stdout.write(render_list_json(runbook, paths))
    else:
        sys.stdout.write(render_list(runbook))
    return 0


def _plan(args: argparse.Namespace, path: str | None = None) -> Plan:
    """The plan, with the answers known without asking anyone (`choices.session`)."""
    from mdrun.choices.wire import load_guidebook
    from mdrun.plan.environment import initial_environment
    from mdrun.plan.planner import plan

    runbook = load_guidebook(path or args.runbook, _load_options(args))
    env = initial_environment(os.environ, args.env, args.env_file)
    values = {name: v.value for name, v in env.items() if v.value is not None}
    answers: dict[str, Answer] = {}
    if runbook.questions or args.choose or args.assert_:
        answers = _known(args, runbook, values)
    return plan(runbook, env, answers)


def _known(args: argparse.Namespace, runbook: Runbook, env: dict[str, str]) -> dict[str, Answer]:
    from mdrun.choices import session
    from mdrun.choices.answers import parse_choose
    from mdrun.choices.aprioris import this_host

    given = [parse_choose(t) for t in args.choose]
    given += [parse_choose(t, "--assert") for t in args.assert_]
    return session.known_answers(runbook.questions, given, env, args.profile, this_host(env))


def _run_plan(args: argparse.Namespace) -> tuple[Plan, RunSettling | None]:
    """The plan a run starts with, and what settles its questions as the run reaches them
    (choices.lazy): on a terminal, what governs the first blocks is asked now; off one, every
    reached question must be answered now (exit 2) but for those an earlier block answers."""
    from mdrun.choices.apply import chosen_blocks, run_id
    from mdrun.choices.lazy import RunSettling
    from mdrun.choices.prompt import TerminalPrompter, interactive
    from mdrun.choices.wire import load_guidebook
    from mdrun.plan.environment import initial_environment
    from mdrun.plan.planner import plan
    from mdrun.run.expansion import bash_runner

    runbook = load_guidebook(args.runbook, _load_options(args))
    env = initial_environment(os.environ, args.env, args.env_file)
    values = {name: v.value for name, v in env.items() if v.value is not None}
    if not (runbook.questions or args.choose or args.assert_):
        return plan(runbook, env), None
    groups = list({q.group.id: q.group for q in runbook.questions}.values())
    uuid = run_id()

    def replan(answers: Mapping[str, Answer]) -> Plan:
        kept = chosen_blocks(runbook.blocks, lambda b: b.choices, groups, answers, uuid, True)
        return plan(runbook._replace(blocks=kept), env, answers)

    prompter = TerminalPrompter() if interactive() else None
    known = _known(args, runbook, values)
    settling = RunSettling(
        runbook.questions, known, replan, bash_runner(), prompter, args.profile, values
    )
    first = replan(known)
    if prompter is None:
        settling.require(first)
    else:
        settling.settle_first(first.runbook.blocks, dict(os.environ) | values)
    settling.save()
    return (first if settling.answers == known else replan(settling.answers)), settling


def _runbook_paths(args: argparse.Namespace) -> list[str]:
    """The runbooks named on the command line, directories searched (`load.discover`)."""
    from mdrun.load.discover import runbook_paths

    if not hasattr(args, "runbooks"):
        return [args.runbook]
    return runbook_paths(args.runbooks, args.exclude)


def cmd_plan(args: argparse.Namespace) -> int:
    """Render the plans in the chosen format (one runbook file: its plan alone)."""
    from mdrun.render import join_plans, render_plan, render_plans

    paths = _runbook_paths(args)
    if getattr(args, "fail_on_unknown", False):
        return _undecided(args, paths)
    one = not hasattr(args, "runbooks") or (
        len(args.runbooks) == 1 and not os.path.isdir(args.runbooks[0])
    )
    plans = [_plan(args, path=path) for path in paths]
    if args.format == "sh" and not one:
        raise UsageError("--format sh writes one script: give one runbook file")
    jobs = [_ray_jobs(plan, args.show_secrets) for plan in plans]
    if args.format == "sh" or not any(jobs):
        text = render_plans(plans, args.format, args.show_secrets, args.show_env, as_list=not one)
    else:
        shown = [render_plan(p, args.format, args.show_secrets, args.show_env) for p in plans]
        shown = [
            _with_ray_jobs(t, j, args.format, p) for t, j, p in zip(shown, jobs, plans, strict=True)
        ]
        text = join_plans(shown, args.format, as_list=not one)
    sys.stdout.write(text)
    return 0


def _ray_jobs(plan: Plan, show_secrets: bool) -> dict[int, dict[str, object]]:
    """The Ray job each chosen, not skipped `exec: ray-submit` block would submit, by block
    index: its `exec:` words expanded from the block's planned environment. Submits nothing."""
    from mdrun.plan.execwords import exec_arguments, submits_to_ray

    found = [p for p in plan.blocks if p.chosen and p.verdict.kind != "skip"]
    found = [p for p in found if submits_to_ray(p.block)]
    if not found:
        return {}
    from mdrun.ray.definition import planned_job

    jobs: dict[int, dict[str, object]] = {}
    for planned in found:
        block = planned.block
        argv = exec_arguments(block.options.exec or "", planned.env) or []
        env = {name: v.value for name, v in planned.env.items() if v.value is not None}
        lines = block.line_origins
        source = os.path.abspath(lines[0][-1].path if lines else block.origin[-1].path)
        where = block.origin[-1] if block.origin else None
        job = planned_job(argv, block.body, block.language, source, env, where, show_secrets)
        jobs[block.index] = job
    return jobs


def _with_ray_jobs(text: str, jobs: dict[int, dict[str, object]], fmt: str, plan: Plan) -> str:
    """A rendered plan with its Ray jobs: under each block's `ray_job` key in JSON, else after
    the plan (docs/plan-schema.md), listing the variables the runbook sets or declares and
    counting the inherited rest."""
    import json

    from mdrun.ray.definition import describe, runbook_variables

    if fmt == "json":
        data = json.loads(text)
        for block in data["blocks"]:
            if block["index"] in jobs:
                block["ray_job"] = jobs[block["index"]]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    parts = [text]
    envs = {p.block.index: p.env for p in plan.blocks}
    declared = plan.runbook.document.frontmatter.get("inputs")
    for index, job in jobs.items():
        about = f"Ray job of block {index} ({job.get('block')}), shown, not submitted:\n"
        shown = describe(job, runbook_variables(envs[index], declared))
        parts.append(
            f"\n{about}```text\n{shown}```\n" if fmt == "markdown" else f"\n{about}{shown}"
        )
    return "".join(parts)


def _undecided(args: argparse.Namespace, paths: list[str]) -> int:
    from mdrun.blocks.extract import load_runbook
    from mdrun.lint.inputs import find_undecided
    from mdrun.lint.report import render_findings

    found = {f for path in paths for f in find_undecided(load_runbook(path, _load_options(args)))}
    sys.stdout.write(render_findings(sorted(found), len(paths)))
    return 1 if found else 0


def cmd_check(args: argparse.Namespace) -> int:
    """Lint; exit 1 when anything is found."""
    from mdrun.lint.check import check_runbooks
    from mdrun.lint.report import render_findings
    from mdrun.lint.shellcheck import MISSING_NOTE, shellcheck_path

    paths = _runbook_paths(args)
    unchecked: list[str] = []
    findings = check_runbooks(paths, _load_options(args), unchecked=unchecked)
    if shellcheck_path() is None:
        print(MISSING_NOTE, file=sys.stderr)
    for note in unchecked:
        print(note, file=sys.stderr)
    sys.stdout.write(render_findings(findings, len(paths), args.format))
    return 1 if findings else 0


def cmd_diff(args: argparse.Namespace) -> int:
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
    diffs = [
        diff_runbook(p, base, tree, _load_options(args), env, args.show_secrets) for p in paths
    ]
    sys.stdout.write(render_diffs(diffs, args.format))
    return 1 if args.exit_code and any(d.changed for d in diffs) else 0


def cmd_run(args: argparse.Namespace) -> int:
    """Execute the plan (or render it with --dry-run)."""
    if args.dry_run:
        return cmd_plan(args)
    if args.ray:
        return _run_on_ray(args)
    if args.detach:
        raise UsageError("--detach needs --ray ADDRESS")
    from mdrun.blocks.extract import nothing_to_run
    from mdrun.run.supervisor import RunOptions, run_plan

    plan, settling = _run_plan(args)
    if not plan.blocks:
        raise nothing_to_run(plan.runbook)

    options = RunOptions(
        log_dir=args.log_dir or os.environ.get("MDRUN_LOG_DIR"),
        grace=args.grace,
        pty=args.pty,
        keep_going=args.keep_going,
        show_secrets=args.show_secrets,
    )
    return run_plan(plan, options, settling)


def cmd_profile(args: argparse.Namespace) -> int:
    """Manage saved answers."""
    from mdrun.choices.profilecmd import profile_command

    return profile_command(args.action, args.name, sys.stdout, args.source)


def _run_on_ray(args: argparse.Namespace) -> int:
    """`run --ray`: the runbook, its files and mdrun submitted as one Ray job."""
    from mdrun.load.loader import load_document
    from mdrun.plan.environment import initial_environment
    from mdrun.ray.runbook import RemoteRun, submit_runbook
    from mdrun.run.logdir import make_log_dir

    document = load_document(args.runbook, _load_options(args))
    given = initial_environment({}, args.env, args.env_file)
    env = {k: v.value for k, v in given.items() if v.value is not None}
    flags = [f"--grace={args.grace:g}"]
    for name in ("pty", "keep_going", "allow_outside_root", "allow_url", "show_secrets"):
        if getattr(args, name):
            flags.append("--" + name.replace("_", "-"))
    # The answers travel as flags: the job has no terminal to ask on, nor this user's profiles.
    flags += [f"--choose={text}" for text in args.choose]
    flags += [f"--assert={text}" for text in args.assert_]
    if args.profile:
        raise UsageError("--profile is not sent with --ray: pass the answers with --choose")
    run = RemoteRun(document, tuple(flags), tuple(args.base_path), env)
    log_dir = make_log_dir(args.log_dir or os.environ.get("MDRUN_LOG_DIR"), claim="job.json")
    return submit_runbook(args.ray, run, log_dir, args.detach, args.show_secrets)


def cmd_attach(args: argparse.Namespace) -> int:
    """Follow a job submitted by `run --ray` again."""
    from mdrun.ray.runbook import attach

    address = args.ray or os.environ.get("RAY_ADDRESS")
    if not address:
        raise UsageError("no Ray cluster: give --ray ADDRESS or set RAY_ADDRESS")
    if args.log_dir:
        os.makedirs(args.log_dir, mode=0o700, exist_ok=True)
    return attach(address, args.job_id, args.log_dir)


HANDLERS = {
    "expand": cmd_expand,
    "list": cmd_list,
    "plan": cmd_plan,
    "check": cmd_check,
    "diff": cmd_diff,
    "run": cmd_run,
    "attach": cmd_attach,
    "profile": cmd_profile,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mdrun` console script."""
    raw = list(sys.argv[1:] if argv is None else argv)
    words = _normalise_argv(raw)
    try:
        args = _parser(words).parse_args(words)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0) if exc.code in (0, None) else EXIT_USAGE
    with error_handler(verbose=args.verbose):
        hidden = os.environ.pop(HIDDEN_ASSIGNMENTS, None)
        if hidden is not None:
            args.env = [*json.loads(hidden), *args.env]
        elif args.command == "run" and args.env and not args.dry_run:
            _reexec_without_assignments(raw, args)
        return HANDLERS[args.command](args)
    return EXIT_USAGE  # pragma: no cover - error_handler always raises or returns


def _without_assignments(raw: list[str]) -> list[str]:
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
    rest = _without_assignments(raw)
    words = _normalise_argv(rest)
    try:
        again = _parser(words).parse_args(words)
    except SystemExit:
        return
    if {**vars(again), "env": args.env} != vars(args) or again.env:
        return
    # A JSON list: an environment value cannot hold the NUL that would separate them.
    env = {**os.environ, HIDDEN_ASSIGNMENTS: json.dumps(args.env)}
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "mdrun", *rest], env)
