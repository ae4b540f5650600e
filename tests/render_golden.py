"""Golden-file support for the render tests: seed-shaped plans and compare-or-update."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mdrun.blocks.extract import load_runbook
from mdrun.model import LoadOptions, Plan
from mdrun.plan.environment import initial_environment
from mdrun.plan.planner import plan

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
SEEDLIKE = "tests/fixtures/seedlike/stream-logs.md"
# The four situations of issue 3: log streaming to a file or not, GPUs or not.
SITUATIONS = {
    "logs-set-gpus-2": {"STREAMCONSUMER_LOGS": "/tmp/streamlogs", "NUM_GPUS": "2"},
    "logs-set-gpus-0": {"STREAMCONSUMER_LOGS": "/tmp/streamlogs", "NUM_GPUS": "0"},
    "logs-unset-gpus-2": {"NUM_GPUS": "2"},
    "logs-unset-gpus-0": {"NUM_GPUS": "0"},
}


def seedlike_plan(monkeypatch: pytest.MonkeyPatch, given: dict[str, str]) -> Plan:
    """Plan the seed-shaped runbook from the repository root with a tiny, fixed environ."""
    monkeypatch.chdir(REPO)
    runbook = load_runbook(SEEDLIKE, LoadOptions())
    assignments = [f"{k}={v}" for k, v in given.items()] + ["RAY_API_TOKEN=tok-9f8e7d6c"]
    env = initial_environment({"PATH": "/usr/bin:/bin", "HOME": "/home/op"}, assignments, [])
    return plan(runbook, env)


def assert_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; MDRUN_UPDATE_GOLDEN=1 rewrites it instead."""
    path = GOLDEN / name
    if os.environ.get("MDRUN_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} missing: run with MDRUN_UPDATE_GOLDEN=1 and review the diff"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"
