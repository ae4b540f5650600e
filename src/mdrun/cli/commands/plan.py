"""`mdrun plan` (and `mdrun run --dry-run`): decide, without executing, which blocks would
run; with the Ray job each `exec: ray-submit` block would submit."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from mdrun.cli.options import load_options, runbook_paths
from mdrun.cli.planning import plan_of
from mdrun.errors import UsageError

if TYPE_CHECKING:
    from mdrun.model import Plan


def command(args: argparse.Namespace) -> int:
    """Render the plans in the chosen format (one runbook file: its plan alone)."""
    from mdrun.render import join_plans, render_plan, render_plans

    paths = runbook_paths(args)
    if getattr(args, "fail_on_unknown", False):
        return _undecided(args, paths)
    one = not hasattr(args, "runbooks") or (
        len(args.runbooks) == 1 and not os.path.isdir(args.runbooks[0])
    )
    plans = [plan_of(args, path=path) for path in paths]
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
    """`plan --fail-on-unknown`: the blocks whose verdict the declared inputs leave unknown,
    as findings; exit 1 if there are any."""
    from mdrun.blocks.extract import load_runbook
    from mdrun.lint.inputs import find_undecided
    from mdrun.lint.report import render_findings

    found = {f for path in paths for f in find_undecided(load_runbook(path, load_options(args)))}
    sys.stdout.write(render_findings(sorted(found), len(paths)))
    return 1 if found else 0
