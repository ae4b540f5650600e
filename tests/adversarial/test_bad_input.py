"""Bad input: one clear `path:line:` message, exit 2, no traceback, nothing executed."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adversarial.cases import CANARY, CASES, MANY_BLOCKS_ONE_HEADING, Case

COMMANDS = ("expand", "list", "plan", "check")


def run_mdrun(
    args: list[str], cwd: Path, timeout: float = 60, cpu_s: int | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m mdrun ARGS` in `cwd`, as a user would run it; `cpu_s` limits its CPU time."""

    def limit_cpu() -> None:
        if cpu_s is not None:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))

    return subprocess.run(
        [sys.executable, "-m", "mdrun", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
        preexec_fn=limit_cpu,  # setrlimit only: safe before exec
    )


def _marks(case: Case, command: str) -> list[pytest.MarkDecorator]:
    marks = [pytest.mark.slow] if command in case.slow_for else []
    if case.bug:
        marks.append(pytest.mark.xfail(strict=True, reason=case.bug))
    return marks


PARAMS = [
    pytest.param(case, command, id=f"{command}-{case.id}", marks=_marks(case, command))
    for case in CASES
    for command in ("list", "plan")
]


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("case", "command"), PARAMS)
def test_bad_input(case: Case, command: str, tmp_path: Path) -> None:
    if case.id == "runbook-unreadable" and os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    runbook = case.build(tmp_path)
    proc = run_mdrun([command, runbook], tmp_path, timeout=280)
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


@pytest.mark.timeout(60)
def test_10000_blocks_under_one_heading_list_in_linear_time(tmp_path: Path) -> None:
    """CPU time, not wall time, so a busy machine does not fail it: the same runbook without
    a heading (names block-1...) lists in about 0.6 s of CPU."""
    runbook = MANY_BLOCKS_ONE_HEADING(tmp_path)
    proc = run_mdrun(["list", runbook], tmp_path, cpu_s=3)
    assert proc.returncode == 0, f"exit {proc.returncode} (-24: SIGXCPU, over 3 s of CPU)"
    assert "steps-10000" in proc.stdout
