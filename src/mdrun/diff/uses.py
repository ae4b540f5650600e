"""What one plan uses: the variables its blocks read and export, the files it pulls in."""

from __future__ import annotations

import itertools
import os
from typing import Literal, NamedTuple

from mdrun.diff.changes import FileChange
from mdrun.load.files import Files
from mdrun.model import Plan, SourceLocation
from mdrun.plan.planner import environment_after
from mdrun.shell.reads import read_names

Names = dict[str, list[str]]
"""Variable → the blocks (by name) that use it, in order."""


class Use(NamedTuple):
    """A file pulled into the runbook."""

    kind: Literal["include", "import"]
    """`--8<--` or `imports:`."""
    via: SourceLocation
    """The first marker or `imports:` entry that pulls it in."""


class Uses(NamedTuple):
    """Variables and files one plan uses."""

    reads: Names
    """Variables read by a body or a `when=` guard."""
    exports: Names
    """Variables a block would leave in the environment it hands on (set or changed)."""
    files: dict[str, Use]
    """Files other than the runbook, by shown path."""

    def files_against(self, old: Uses) -> list[FileChange]:
        """Files pulled in here and not in `old`, then the reverse."""
        added = [
            FileChange(path, use.kind, "added", str(use.via))
            for path, use in sorted(self.files.items())
            if path not in old.files
        ]
        removed = [
            FileChange(path, use.kind, "removed", str(use.via))
            for path, use in sorted(old.files.items())
            if path not in self.files
        ]
        return added + removed


def runbook_uses(plan: Plan | None, files: Files) -> Uses:
    """The variables and files of `plan` (nothing for an absent runbook)."""
    if plan is None:
        return Uses({}, {}, {})
    reads: Names = {}
    exports: Names = {}
    for planned in plan.blocks:
        block = planned.block
        for name in [*read_names(block.options.when or ""), *read_names(block.body)]:
            _add(reads, name, block.name)
        after = environment_after(block, planned.env, planned.verdict)
        for name, value in after.items():
            if planned.env.get(name) != value:
                _add(exports, name, block.name)
    return Uses(reads, exports, _pulled_in(plan, files))


def _add(names: Names, name: str, block: str) -> None:
    users = names.setdefault(name, [])
    if block not in users:
        users.append(block)


def _pulled_in(plan: Plan, files: Files) -> dict[str, Use]:
    """Every file a line of the expanded document came from, with what pulled it in."""
    found: dict[str, SourceLocation] = {}
    for origin in plan.runbook.document.origins:
        for outer, inner in itertools.pairwise(origin):
            found.setdefault(inner.path, outer)
    sites = plan.runbook.document.imports
    return {
        path: Use("import" if via in sites or _in_frontmatter(via, files) else "include", via)
        for path, via in found.items()
    }


def _in_frontmatter(via: SourceLocation, files: Files) -> bool:
    """Whether `via` is a line of its file's frontmatter: an `imports:` entry naming a script,
    which the loader records no `ImportSite` for."""
    try:
        text = files.read(os.path.abspath(via.path)).decode("utf-8", "replace")
    except OSError:
        return False
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return False
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), 0)
    return via.line <= end + 1
