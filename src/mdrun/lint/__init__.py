"""The pieces of `mdrun check`: each module looks at a runbook one way and returns `Finding`s.

`mdrun.lint.check` runs them in order; they only read the parsed runbook (and shellcheck, when
installed, reads block bodies on its stdin): nothing from the runbook is ever executed.
"""

from __future__ import annotations

from typing import NamedTuple

from mdrun.model import Block, Origin, SourceLocation


class Finding(NamedTuple):
    """One problem found in a runbook, printed as `path:line: code: message`; findings sort by
    file, then line."""

    path: str
    """The file to fix (the innermost file of the include chain)."""
    line: int
    """1-based line in that file."""
    code: str
    """`MD001`… for mdrun's own checks, `SC…` for shellcheck's."""
    message: str
    """What is wrong, and where possible what to write instead."""
    column: int = 1
    """1-based column in that line, where the checker knows it (shellcheck does)."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code}: {self.message}"

    @classmethod
    def at(
        cls, origin: Origin | SourceLocation, code: str, message: str, column: int = 1
    ) -> Finding:
        """A finding at a location, or at the innermost location of an include chain."""
        where = origin if isinstance(origin, SourceLocation) else origin[-1]
        return cls(where.path, where.line, code, message, column)


def body_line_origin(block: Block, index: int) -> Origin:
    """The origin of 0-based body line `index`, falling back to the fence's own line."""
    if 0 <= index < len(block.line_origins):
        return block.line_origins[index]
    return block.origin
