"""The one command `mdrun run` starts that is not a block: a dynamic question's `expand(…)`, run
just before the first block the question governs, in the shell state the blocks before it left.

Its output lines are the question's answers (`mdrun.choices.dynamic.answers_of`). It runs with
`bash -c`, stdin closed, and its stderr is kept for the error message; `plan` and `check` never
get a runner, so nothing a guidebook wrote runs there. `$MDRUN_PYTHON` is the interpreter
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


def bash_runner(timeout: float = EXPANSION_TIMEOUT) -> Callable[[str, Mapping[str, str]], str]:
    """A runner for `answers_of`: each command under `bash -c`; `ExpansionError` when it fails
    or takes longer than `timeout` seconds."""

    def run(command: str, env: Mapping[str, str]) -> str:
        try:
            done = subprocess.run(
                ["bash", "-c", command],
                env={"MDRUN_PYTHON": sys.executable, **env},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ExpansionError(f"`{command}` did not finish in {timeout:g} s") from None
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-3:]
            said = ": " + " / ".join(tail) if tail else ""
            raise ExpansionError(f"`{command}` exited {done.returncode}{said}")
        return done.stdout

    return run
