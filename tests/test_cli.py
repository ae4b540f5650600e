"""Command-line parsing details that the end-to-end tests do not reach."""

from __future__ import annotations

import pytest

from mdrun.cli import _without_assignments


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
    assert _without_assignments(raw) == kept
