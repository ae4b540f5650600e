"""`mdrun diff --format markdown`: the plan diff as a pull-request comment (Jinja2)."""

from __future__ import annotations

from collections.abc import Sequence

from mdrun.diff.changes import RunbookDiff
from mdrun.diff.report import change_summary
from mdrun.render.jinja import templates
from mdrun.render.markdown import FILTERS, fence_for


def render_markdown(diffs: Sequence[RunbookDiff]) -> str:
    """One comment for every runbook diffed: a summary table, then each change."""
    env = templates()
    env.filters.update(FILTERS)
    env.filters["fence"] = fence_for
    return env.get_template("diff.md.j2").render(
        diffs=[(diff, change_summary(diff)) for diff in diffs],
        changed=any(d.changed for d in diffs),
    )
