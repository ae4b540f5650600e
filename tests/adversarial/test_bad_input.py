"""Bad input: one clear `path:line:` message, exit 2, no traceback, nothing executed."""

from __future__ import annotations

import os
import re
import resource
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.adversarial.cases import CANARY, CASES, MANY_BLOCKS_ONE_HEADING, Case
from tests.conftest import run_mdrun

COMMANDS = ("expand", "list", "plan", "check")


def _cpu_limit(seconds: int) -> Callable[[], None]:
    """A `preexec_fn` that limits the child's CPU time (setrlimit only: safe before exec)."""
    return lambda: resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


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
    proc = run_mdrun(command, runbook, cwd=tmp_path, timeout=280)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == case.expect, (proc.returncode, proc.stderr)
    if case.message is not None:
        first = proc.stderr.splitlines()[0] if proc.stderr else ""
        assert re.search(case.message, first), proc.stderr
    assert not (tmp_path / CANARY).exists()


def test_check_reports_bad_input_as_findings(tmp_path: Path) -> None:
    """`check` turns a loader error into a `path:line: code: message` finding and exits 1."""
    runbook = next(c for c in CASES if c.id == "missing-include").build(tmp_path)
    proc = run_mdrun("check", runbook, cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (1, 2), proc.stderr
    assert re.search(r"rb\.md:3: ", proc.stdout + proc.stderr)


@pytest.mark.timeout(60)
def test_10000_blocks_under_one_heading_list_in_linear_time(tmp_path: Path) -> None:
    """CPU time, not wall time, so a busy machine does not fail it: the same runbook without
    a heading (names block-1...) lists in about 0.6 s of CPU."""
    runbook = MANY_BLOCKS_ONE_HEADING(tmp_path)
    proc = run_mdrun("list", runbook, cwd=tmp_path, preexec_fn=_cpu_limit(3))
    assert proc.returncode == 0, f"exit {proc.returncode} (-24: SIGXCPU, over 3 s of CPU)"
    assert "steps-10000" in proc.stdout
