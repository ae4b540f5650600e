"""mdrun: run Markdown runbooks.

A pipeline of stage packages (load → blocks → plan → run, with shell, render and lint beside
them) around a small core: `model` (the records that cross stages), `errors` (user errors and
exit codes), `redact` (secrets) and `cli` (the command line). docs/ARCHITECTURE.md draws it.
"""

from __future__ import annotations

__version__ = "0.1.0"
