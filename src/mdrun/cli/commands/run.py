"""`mdrun run` (and `mdrun RUNBOOK`): run the runbook here, or as one job on a Ray cluster."""

from __future__ import annotations

import argparse
import os

from mdrun.cli.options import load_options
from mdrun.errors import UsageError


def command(args: argparse.Namespace) -> int:
    """Execute the plan (or render it with --dry-run)."""
    if args.dry_run:
        from mdrun.cli.commands.plan import command as plan_command

        return plan_command(args)
    if args.ray:
        return _run_on_ray(args)
    if args.detach:
        raise UsageError("--detach needs --ray ADDRESS")
    from mdrun.blocks.extract import nothing_to_run
    from mdrun.cli.planning import first_plan
    from mdrun.run.supervisor import RunOptions, run_plan

    plan, settling = first_plan(args)
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


def _run_on_ray(args: argparse.Namespace) -> int:
    """`run --ray`: the runbook, its files and mdrun submitted as one Ray job."""
    from mdrun.load.loader import load_document
    from mdrun.plan.environment import initial_environment
    from mdrun.ray.runbook import RemoteRun, submit_runbook
    from mdrun.run.logdir import make_log_dir

    document = load_document(args.runbook, load_options(args))
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
