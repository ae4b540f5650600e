"""Block frontmatter in a plan: `validate:` and `exec:` are shown, never run.

A block with `validate:` runs unless already done, which only running the command can tell:
its verdict says so, with the command. A `python` block or an `exec:` block is not bash, so
planning reads nothing from its body (its guard is its `when=` only).
"""

from __future__ import annotations

from mdrun.blocks.frontmatter import runs_as_shell
from mdrun.model import Block, Verdict


def with_frontmatter(block: Block, verdict: Verdict) -> Verdict:
    """`verdict` adjusted for the block's `validate:` and `exec:`."""
    if not runs_as_shell(block) and verdict.kind != "skip":
        how = f"`exec: {block.options.exec}`" if block.options.exec else "python3"
        verdict = Verdict(verdict.kind, f"{verdict.reason}; the body is run by {how}")
    own = block.options.validate
    checks = [*block.done_if, *([own] if own else [])]
    if not checks or verdict.kind == "skip":
        return verdict
    shown = " or ".join(f"`{check.strip()}`" for check in checks)
    reason = f"run unless already done: skip if {shown} succeeds ({verdict.reason})"
    return Verdict("unknown", reason, verdict.branch)
