"""Plan each runbook on both sides and compare: the work behind `mdrun diff`."""

from __future__ import annotations

import os
from collections.abc import Sequence

from mdrun.choices.wire import load_guidebook
from mdrun.diff.changes import RunbookDiff
from mdrun.diff.compare import Side, compare
from mdrun.diff.gittree import GitTree
from mdrun.diff.revisions import Base
from mdrun.errors import MdrunError, UsageError
from mdrun.load.discover import runbook_paths
from mdrun.load.files import LOCAL, Files
from mdrun.model import Environment, LoadOptions, Plan
from mdrun.plan.planner import plan


def diff_paths(paths: Sequence[str], excludes: Sequence[str]) -> list[str]:
    """Files as given (a runbook deleted since the base exists only there), directories of
    the working tree searched for `*.md`."""
    out: list[str] = []
    for path in paths:
        found = runbook_paths([path], excludes) if os.path.isdir(path) else [path]
        out += [p for p in found if p not in out]
    return out


def _plan(path: str, options: LoadOptions, env: Environment, files: Files) -> Plan | None:
    """The plan of the runbook at `path` as `files` has it, None when it is not there: through
    the choices stage as `mdrun plan` loads it, with the answers known without asking (this
    machine's aprioris, an `expand(…)` question's variable), the same on both sides."""
    if files.kind(os.path.abspath(path)) is None:
        return None
    runbook = load_guidebook(path, options, files)
    if not runbook.questions:
        return plan(runbook, env)
    from mdrun.choices.aprioris import this_host
    from mdrun.choices.session import known_answers

    values = {name: v.value for name, v in env.items() if v.value is not None}
    answers = known_answers(runbook.questions, (), values, None, this_host(values))
    return plan(runbook, env, answers)


def diff_runbook(
    path: str,
    base: Base,
    tree: GitTree,
    options: LoadOptions,
    env: Environment,
    show_secrets: bool = False,
) -> RunbookDiff:
    """The diff of one runbook between `base` (read from `tree`) and the working tree.

    The working tree's runbook must load (its errors are the usual exit 2); one that does not
    load at the base is reported as such, its blocks then all counting as added."""
    new = _plan(path, options, env, LOCAL)
    base_error = None
    try:
        old = _plan(path, options, env, tree)
    except MdrunError as exc:
        old, base_error = None, str(exc)
    if old is None and new is None and base_error is None:
        raise UsageError(f"{path}: neither in the working tree nor at {base.label}")
    diff = compare(path, base.label, Side(old, tree), Side(new, LOCAL), show_secrets)
    if base_error is not None:
        diff = diff._replace(status="changed", base_error=base_error)
    return diff
