"""The shipped runbooks plan cleanly: every guarded block of the demo gets a definite verdict.

A construct the planner cannot parse makes every later verdict `unknown`, and `mdrun plan`
can then no longer show which log path or which samplers will run. Needs no Ray: planning executes nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_mdrun

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "runbooks" / "demo-local-ray.md"
CLEARED = ("STREAMCONSUMER_LOGS", "QUIET_CONSOLE", "KUBE_CONTEXT", "NUM_GPUS", "LOGDIR_STAGE")

pytestmark = pytest.mark.timeout(60)


def verdicts(*assignments: str) -> dict[str, str]:
    """`mdrun plan --format json` of the demo: verdict per block name."""
    argv = ["plan", str(DEMO), "--format", "json"]
    for assignment in assignments:
        argv += ["-e", assignment]
    env = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith("RAY_")}
    proc = run_mdrun(*argv, env=env, timeout=30, check=True)
    return {b["name"]: b["verdict"] for b in json.loads(proc.stdout)["blocks"]}


def test_console_run_is_fully_decided() -> None:
    plan = verdicts()
    assert (plan["logs-console"], plan["logs-to-file"]) == ("run", "skip")
    assert [plan[n] for n in ("cpu-host", "memory-host", "cpu-pods", "gpu-utilization")] == [
        "run",
        "run",
        "skip",
        "skip",
    ]
    assert all(plan[n] == "run" for n in ("prepare-ray", "start-ray", "submit-job", "stop-ray"))


def test_stream_consumer_run_is_fully_decided() -> None:
    plan = verdicts("STREAMCONSUMER_LOGS=/tmp/consumer/", "NUM_GPUS=1")
    assert (plan["logs-console"], plan["logs-to-file"]) == ("skip", "run")
    assert plan["gpu-utilization"] == "run"
