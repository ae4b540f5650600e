"""Block frontmatter in a plan: `validate:` and `exec:` are shown, never run.

A block with `validate:` runs unless already done, which only running the command can tell:
its verdict says so, with the command. A guidebook's frontmatter `validate:` is tested once per
import, before its first block: its blocks run unless already done too, the command shown on
the first of them. A `python` block or an `exec:` block is not bash, so
planning reads nothing from its body (its guard is its `when=` only).
"""

from __future__ import annotations

from collections.abc import Sequence

from mdrun.blocks.frontmatter import runs_as_shell
from mdrun.model import Block, GuidebookCheck, Origin, PlannedBlock, Verdict


def with_frontmatter(block: Block, verdict: Verdict) -> Verdict:
    """`verdict` adjusted for the block's `validate:` and `exec:`."""
    if not runs_as_shell(block) and verdict.kind != "skip":
        how = f"`exec: {block.options.exec}`" if block.options.exec else "python3"
        verdict = Verdict(verdict.kind, f"{verdict.reason}; the body is run by {how}")
    own = block.options.validate
    if not own or verdict.kind == "skip":
        return verdict
    reason = f"run unless already done: skip if `{own.strip()}` succeeds ({verdict.reason})"
    return Verdict("unknown", reason, verdict.branch)


def with_guidebook_checks(blocks: Sequence[PlannedBlock]) -> tuple[PlannedBlock, ...]:
    """`blocks` with the verdicts their guidebooks' `validate:` make: `unknown` for every block
    that may run, the command shown once per import, on its first such block."""
    first: dict[Origin, int] = {}
    out = []
    for planned in blocks:
        checks, verdict = planned.block.guidebook_checks, planned.verdict
        if not checks or verdict.kind == "skip":
            out.append(planned)
            continue
        notes = []
        for check in checks:
            where = first.setdefault(check.site, planned.block.index)
            notes.append(_guidebook_note(check, where, planned.block.index))
        reason = verdict.reason.removeprefix(_UNLESS_DONE)
        verdict = Verdict("unknown", f"{_UNLESS_DONE}{'; '.join(notes)} ({reason})", verdict.branch)
        out.append(planned._replace(verdict=verdict))
    return tuple(out)


_UNLESS_DONE = "run unless already done: "


def _guidebook_note(check: GuidebookCheck, first: int, index: int) -> str:
    """What a guidebook's `validate:` means for the block numbered `index`."""
    if first == index:
        return f"guidebook {check.guidebook} is skipped if `{check.command.strip()}` succeeds"
    return f"guidebook {check.guidebook} is skipped if its check before block {first} succeeded"
