"""The shipped runbooks plan cleanly: every guarded block of the demo gets a definite verdict.

A construct the planner cannot parse makes every later verdict `unknown`, and `mdrun plan`
can then no longer show which log path or which samplers will run. Needs no Ray: planning executes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
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


def test_the_demos_stop_ray_keeps_rays_summary_and_drops_its_vinfo_lines(tmp_path: Path) -> None:
    """Ray writes a tab (or a space) before VINFO; the cleanup's filter must drop both."""
    from mdrun.blocks.extract import load_runbook
    from mdrun.model import LoadOptions

    runbook = load_runbook(str(ROOT / "runbooks" / "demo-local-ray.md"), LoadOptions())
    stop = next(b for b in runbook.blocks if b.name == "stop-ray")
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin" / "ray"
    fake.write_text(
        "#!/bin/sh\n"
        "printf '2026-12-01 10:00:00,000\\tVINFO scripts.py:1 -- Send termination request to"
        ' `ray::IDLE "" "" ""` (signal = SIGTERM)\\n\' >&2\n'
        "printf '2026-12-01 10:00:00,000 VINFO scripts.py:2 -- /usr/bin/raylet --x\\n'\n"
        "printf 'Stopped all 5 Ray processes.\\n'\n"
    )
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "RAY_DEMO_TMP": str(tmp_path / "t")}
    out = subprocess.run(
        ["bash", "-e", "-c", stop.body], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout == "Stopped all 5 Ray processes.\n" and out.stderr == ""
