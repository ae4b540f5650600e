"""Run a command on a fresh pseudo-terminal, as a person at a terminal would."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from tests.helpers.screen import run_on_terminal


def run_on_tty(
    argv: list[str], cwd: Path, env: Mapping[str, str] | None = None
) -> tuple[int, bytes]:
    """Exit code and everything the command wrote to its terminal (read until it closes), on a
    terminal nobody sized (0x0)."""
    return run_on_terminal(argv, cwd, os.environ if env is None else env, size=None, timeout=300)
