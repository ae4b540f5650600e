"""A guidebook's frontmatter `validate:` at run time: tested once per import, before its blocks.

madwizard drops an imported guidebook whose `validate:` succeeds from the run before asking
anything (graph/collapseValidated.ts), and tests a block's own `validate:` as it reaches the
block. mdrun tests the guidebook's command when the run reaches the first block of that import
(in the shell state the blocks before it left), before any question governing the block is
asked; the answer holds for the rest of the run, so a first block that makes the check pass
(a download) does not skip the blocks after it (chmod, config).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mdrun.model import Block, GuidebookCheck, Origin, PlannedBlock
from mdrun.run.blockguard import already_done
from mdrun.run.expansion import side_command
from mdrun.run.handoff import ShellState

if TYPE_CHECKING:
    from mdrun.run.state import RunState

Check = Callable[[GuidebookCheck, ShellState], bool]
"""Runs a guidebook's `validate:` in a shell state: whether it succeeded."""


def bash_check(check: GuidebookCheck, shell: ShellState) -> bool:
    """`check.script` under `bash -c` in `shell` (environment and directory), stdin closed."""
    return side_command(check.script, shell.env, cwd=shell.cwd).returncode == 0


class GuidebookChecks:
    """The run's guidebook `validate:` results, one per import site, tested when first needed."""

    def __init__(self, check: Check = bash_check) -> None:
        self.check = check
        self.results: dict[Origin, bool] = {}
        """Whether each import site's guidebook was already done, by site."""

    def done(self, block: Block, shell: ShellState) -> GuidebookCheck | None:
        """The guidebook check (outermost first) that says `block` is already done, testing in
        `shell` those of its imports not tested yet; None when none does."""
        for check in block.guidebook_checks:
            result = self.results.get(check.site)
            if result is None:
                result = self.results[check.site] = self.check(check, shell)
            if result:
                return check
        return None


def skip_if_done(run: RunState, planned: PlannedBlock) -> bool:
    """Skip `planned`, the next block of `run`, when a guidebook it belongs to is already done,
    testing that guidebook's `validate:` now if this is the first of its blocks reached."""
    if not planned.block.guidebook_checks or planned.verdict.kind == "skip":
        return False
    done = run.guidebooks.done(planned.block, run.shell)
    if done is None:
        return False
    run.pos += 1
    record = run.records[planned.block.name]
    run.take_turn(record)
    record.status, record.reason = "skipped", already_done(done.command)
    run.ui.message(f"skipped {planned.block.name}: {record.reason}")
    run.changed()
    return True
