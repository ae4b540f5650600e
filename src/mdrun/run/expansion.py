"""The commands `mdrun run` starts that are not blocks: a dynamic question's `expand(…)`, run
just before the first block the question governs, and a guidebook's `validate:`
(`mdrun.run.guidebooks`), each in the shell state the blocks before it left.

An `expand(…)` command's output lines are the question's answers
(`mdrun.choices.dynamic.answers_of`), and its stderr is kept for the error message. Both run
with `bash -c`, stdin closed; `plan` and `check` never get a runner, so nothing a guidebook
wrote runs there. `$MDRUN_PYTHON` is the interpreter
running mdrun unless the environment sets it, so that a command can use mdrun's own tools
(`"$MDRUN_PYTHON" -m mdrun.ray.logs jobs`) from a venv that is not activated.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping

from mdrun.errors import ExpansionError

EXPANSION_TIMEOUT = 60.0
"""Seconds an `expand(…)` command may take."""


def side_command(
    command: str, env: Mapping[str, str], cwd: str | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """`command` under `bash -c` in `env` (plus `$MDRUN_PYTHON`) and `cwd`, stdin closed, its
    output captured as text; `subprocess.TimeoutExpired` after `timeout` seconds."""
    return subprocess.run(
        ["bash", "-c", command],
        env={"MDRUN_PYTHON": sys.executable, **env},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )


def bash_runner(timeout: float = EXPANSION_TIMEOUT) -> Callable[[str, Mapping[str, str]], str]:
    """A runner for `answers_of`: each command under `bash -c`; `ExpansionError` when it fails
    or takes longer than `timeout` seconds."""

    def run(command: str, env: Mapping[str, str]) -> str:
        try:
            done = side_command(command, env, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ExpansionError(f"`{command}` did not finish in {timeout:g} s") from None
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-3:]
            said = ": " + " / ".join(tail) if tail else ""
            raise ExpansionError(f"`{command}` exited {done.returncode}{said}")
        return done.stdout

    return run
