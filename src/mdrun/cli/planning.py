"""The plan of one runbook from the command line, shared by `plan`, `run` and `run --dry-run`:
the environment from `-e`/`--env-file` and the answers from `--choose`, `--assert` and
`--profile`."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from mdrun.cli.options import load_options

if TYPE_CHECKING:
    from mdrun.choices.lazy import RunSettling
    from mdrun.model import Answer, Environment, Plan, Runbook


def _loaded(args: argparse.Namespace, path: str | None = None) -> tuple[Runbook, Environment]:
    """The runbook at `path` (default: the one named) and the environment `-e`/`--env-file`
    make from this one."""
    from mdrun.choices.wire import load_guidebook
    from mdrun.plan.environment import initial_environment

    runbook = load_guidebook(path or args.runbook, load_options(args))
    return runbook, initial_environment(os.environ, args.env, args.env_file)


def _values(env: Environment) -> dict[str, str]:
    """The variables of `env` that have a value."""
    return {name: v.value for name, v in env.items() if v.value is not None}


def _asks(args: argparse.Namespace, runbook: Runbook) -> bool:
    """Whether the runbook has questions or the command line answers some."""
    return bool(runbook.questions or args.choose or args.assert_)


def plan_of(args: argparse.Namespace, path: str | None = None) -> Plan:
    """The plan, with the answers known without asking anyone (`choices.session`)."""
    from mdrun.plan.planner import plan

    runbook, env = _loaded(args, path)
    answers = _known(args, runbook, _values(env)) if _asks(args, runbook) else {}
    return plan(runbook, env, answers)


def _known(args: argparse.Namespace, runbook: Runbook, env: dict[str, str]) -> dict[str, Answer]:
    from mdrun.choices import session
    from mdrun.choices.answers import parse_choose
    from mdrun.choices.aprioris import this_host

    given = [parse_choose(t) for t in args.choose]
    given += [parse_choose(t, "--assert") for t in args.assert_]
    return session.known_answers(runbook.questions, given, env, args.profile, this_host(env))


def first_plan(args: argparse.Namespace) -> tuple[Plan, RunSettling | None]:
    """The plan a run starts with, and what settles its questions as the run reaches them
    (choices.lazy): on a terminal, what governs the first blocks is asked now; off one, every
    reached question must be answered now (exit 2) but for those an earlier block answers."""
    from mdrun.plan.planner import plan

    runbook, env = _loaded(args)
    if not _asks(args, runbook):
        return plan(runbook, env), None
    return _settled_plan(args, runbook, env)


def _settled_plan(
    args: argparse.Namespace, runbook: Runbook, env: Environment
) -> tuple[Plan, RunSettling]:
    """`first_plan` for a runbook with questions or answers given: the first blocks' questions
    settled, the answers saved to the profile, and the plan taken again with them."""
    from mdrun.choices.apply import chosen_blocks, run_id
    from mdrun.choices.lazy import RunSettling
    from mdrun.choices.prompt import TerminalPrompter, interactive
    from mdrun.plan.planner import plan
    from mdrun.run.expansion import bash_runner

    values = _values(env)
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
