"""Bad input: one clear `path:line:` message, exit 2, no traceback, nothing executed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adversarial.cases import CANARY, CASES, Case

COMMANDS = ("expand", "list", "plan", "check")


def run_mdrun(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m mdrun ARGS` in `cwd`, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "mdrun", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("command", ["list", "plan"])
def test_bad_input(case: Case, command: str, tmp_path: Path) -> None:
    if case.id == "runbook-unreadable" and os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    runbook = case.build(tmp_path)
    proc = run_mdrun([command, runbook], tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == case.expect, (proc.returncode, proc.stderr)
    if case.message is not None:
        first = proc.stderr.splitlines()[0] if proc.stderr else ""
        assert re.search(case.message, first), proc.stderr
    assert not (tmp_path / CANARY).exists()


def test_check_reports_bad_input_as_findings(tmp_path: Path) -> None:
    """`check` turns a loader error into a `path:line: code: message` finding and exits 1."""
    runbook = next(c for c in CASES if c.id == "missing-include").build(tmp_path)
    proc = run_mdrun(["check", runbook], tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (1, 2), proc.stderr
    assert re.search(r"rb\.md:3: ", proc.stdout + proc.stderr)
