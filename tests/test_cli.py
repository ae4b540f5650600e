"""Command-line parsing details that the end-to-end tests do not reach."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mdrun.cli import HIDDEN_ASSIGNMENTS
from mdrun.cli.reexec import without_assignments
from tests.conftest import run_mdrun


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        (["run", "rb.md", "-e", "A=1"], ["run", "rb.md"]),
        (["-eA=1", "rb.md", "--env", "B=2", "--env=C=3"], ["rb.md"]),
        (["run", "--env-file", "f", "rb.md"], ["run", "--env-file", "f", "rb.md"]),
        (["run", "rb.md", "--", "-e", "x"], ["run", "rb.md", "--", "-e", "x"]),
    ],
)
def test_assignments_are_taken_out_of_the_command_line(raw: list[str], kept: list[str]) -> None:
    assert without_assignments(raw) == kept


def test_several_assignments_reach_the_run_and_leave_its_command_line(tmp_path: Path) -> None:
    """`run -e A=.. -e B=..` runs itself again with the values in its environment: every value
    arrives whole (spaces, `=`, a newline), and none is on the command line `ps` shows."""
    (tmp_path / "rb.md").write_text(
        "```bash\n"
        'for v in A B C; do printf %s "${!v}" > "$v.txt"; done\n'
        "tr '\\0' ' ' < /proc/$PPID/cmdline > cmdline.txt\n"
        "```\n"
    )
    values = {"A": "one", "B": "two words=x", "C": "line 1\nline 2"}
    assignments = [a for k, v in values.items() for a in ("-e", f"{k}={v}")]
    proc = run_mdrun("run", "rb.md", "--log-dir", "logs", *assignments, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert {k: (tmp_path / f"{k}.txt").read_text() for k in values} == values
    cmdline = (tmp_path / "cmdline.txt").read_text()
    assert "rb.md" in cmdline
    assert not [v for v in values.values() if v in cmdline]


def test_a_failure_while_taking_assignments_out_is_an_internal_error(tmp_path: Path) -> None:
    """What goes wrong across the re-exec is a bug like any other: exit 3 and one line, no
    traceback (an unreadable carrier variable stands for it)."""
    (tmp_path / "rb.md").write_text("```bash\necho hi\n```\n")
    env = {**os.environ, "NO_COLOR": "1", HIDDEN_ASSIGNMENTS: "not json"}
    proc = run_mdrun("run", "rb.md", "--log-dir", "logs", env=env, cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("mdrun: internal error:"), proc.stderr
