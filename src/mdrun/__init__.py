"""mdrun: run Markdown runbooks.

A pipeline of stage packages (load → blocks → plan → run, with shell, render and lint beside
them) around a small core: `model` (the records that cross stages), `errors` (user errors and
exit codes), `redact` (secrets) and `cli` (the command line). docs/ARCHITECTURE.md draws it.
"""

from __future__ import annotations

import functools
import os

__version__ = "0.1.0"


@functools.cache
def exit_trap_source() -> str:
    """Bash that keeps a sync block's own `trap … EXIT` from replacing the EXIT trap that hands
    its state on (`exit_trap.bash`): shared by `mdrun run` and the `sh` render."""
    with open(os.path.join(os.path.dirname(__file__), "exit_trap.bash"), encoding="utf-8") as f:
        return f.read()


def plural(count: int, noun: str) -> str:
    """`1 block`, `2 blocks`: counts as a person writes them."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
