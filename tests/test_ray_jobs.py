"""Blocks run as Ray jobs, and whole runbooks run on Ray, against a REAL two-node Ray cluster
on loopback (the session's `ray_cluster` fixture: a head on 127.0.0.2, a worker on 127.0.0.3
with a custom resource only it has).

The block jobs go through `mdrun run` of a store-shaped guidebook whose training code is a
```` ```python ```` fence with block frontmatter `exec: ray-submit …` and the body
`--8<-- "./main.py"`, as the store's CodeFlare guidebooks write it, so the supervisor streams,
logs and signals the job as it does in a real run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_tree
from tests.helpers import raycluster

pytestmark = [pytest.mark.ray, pytest.mark.timeout(180)]

MAIN = """\
import os, sys, time
import ray

ray.init()
print("greeting", os.environ.get("GREETING"), "args", sys.argv[1:], flush=True)
for i in range(int(os.environ.get("TICKS", "3"))):
    print("tick", i, flush=True)
    time.sleep(float(os.environ.get("PERIOD", "0.2")))
sys.exit(int(os.environ.get("FAIL", "0")))
"""

INDEX = """\
---
imports:
    - util/jobid
---
# Train on the cluster

```python {name=train}
---
exec: >-
  ray-submit --job-id ${JOB_ID} --entrypoint-resources '{"worker_only": 1}' -- --epochs 3
---
--8<-- "./main.py"
```
"""

STORE = {
    "ml/demo/index.md": INDEX,
    "ml/demo/main.py": MAIN,
    "util/jobid.md": '```shell\nexport JOB_ID="${JOB_ID:-mdrun-test-$$-$RANDOM}"\n```\n',
}


def _env(cluster: raycluster.Cluster, **extra: str) -> dict[str, str]:
    return {**cluster.env, "RAY_ADDRESS": cluster.address, "NO_COLOR": "1", **extra}


def _mdrun(store: Path, cluster: raycluster.Cluster, **extra: str) -> list[str]:
    return [sys.executable, "-m", "mdrun", "run", "index.md", "--log-dir", str(store / "logs"),
            "--base-path", str(store)]  # fmt: skip


def _jobs(cluster: raycluster.Cluster) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{cluster.address}/api/jobs/", timeout=10) as r:
        jobs: list[dict[str, Any]] = json.loads(r.read())
    return jobs


def _job(cluster: raycluster.Cluster, job_id: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{cluster.address}/api/jobs/{job_id}", timeout=10) as r:
        job: dict[str, Any] = json.loads(r.read())
    return job


def _node(cluster: raycluster.Cluster, node_id: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{cluster.address}/api/v0/nodes?detail=1", timeout=10) as r:
        nodes: list[dict[str, Any]] = json.loads(r.read())["data"]["result"]["result"]
    return next(n for n in nodes if n["node_id"] == node_id)


def _run_block(tmp_path: Path, cluster: raycluster.Cluster, **extra: str) -> Any:
    write_tree(tmp_path, STORE)
    return subprocess.run(
        _mdrun(tmp_path, cluster),
        cwd=tmp_path / "ml" / "demo",
        env=_env(cluster, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_block_job_runs_on_the_worker_and_its_log_reaches_console_and_log_file(
    tmp_path: Path, ray_cluster: raycluster.Cluster
) -> None:
    proc = _run_block(
        tmp_path, ray_cluster, GREETING="hello", JOB_ID="mdrun-t-ok", MY_TOKEN="s3cr3t!"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    console = [ln.removeprefix("[train] ") for ln in proc.stdout.splitlines()]
    assert "greeting hello args ['--epochs', '3']" in console
    assert [ln for ln in console if ln.startswith("tick")] == ["tick 0", "tick 1", "tick 2"]
    log = (tmp_path / "logs" / "train.log").read_text()
    assert "greeting hello" in log and "tick 2\n" in log
    driver = _job(ray_cluster, "mdrun-t-ok")["driver_node_id"]
    assert _node(ray_cluster, driver)["node_ip"] == raycluster.WORKER_IP
    job = json.loads((tmp_path / "logs" / "mdrun-t-ok.job.json").read_text())
    assert job["entrypoint"] == "python main.py --epochs 3"
    assert job["entrypoint_resources"] == {"worker_only": 1.0}
    assert job["files"] == ["index.md", "main.py"]
    assert job["runtime_env"]["env_vars"]["MY_TOKEN"] == "***"
    assert "PATH" not in job["runtime_env"]["env_vars"]
    assert _job(ray_cluster, "mdrun-t-ok")["status"] == "SUCCEEDED"
    bad, seen = raycluster.connections_beyond_loopback(ray_cluster)
    assert seen and not bad, bad


def test_a_failing_job_fails_its_block(tmp_path: Path, ray_cluster: raycluster.Cluster) -> None:
    proc = _run_block(tmp_path, ray_cluster, FAIL="3", JOB_ID="mdrun-t-fail")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    run = json.loads((tmp_path / "logs" / "run.json").read_text())
    assert [(b["name"], b["exit_code"]) for b in run["blocks"]][-1] == ("train", 1)
    assert _job(ray_cluster, "mdrun-t-fail")["status"] == "FAILED"


def test_a_runtime_env_that_does_not_build_is_one_message_with_the_block(
    tmp_path: Path, ray_cluster: raycluster.Cluster
) -> None:
    env = {"JOB_ID": "mdrun-t-pip", "MDRUN_RAY_PIP": "mdrun-no-such-package==0.0.1"}
    proc = _run_block(tmp_path, ray_cluster, **env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if "mdrun-t-pip" in ln and "runtime" in ln)
    assert line.startswith("[train]! mdrun: index.md:7: Ray job mdrun-t-pip: its runtime env")
    assert "mdrun-no-such-package" in line
    assert "Traceback" not in proc.stdout + proc.stderr


def test_ctrl_c_stops_the_job(tmp_path: Path, ray_cluster: raycluster.Cluster) -> None:
    write_tree(tmp_path, STORE)
    env = _env(ray_cluster, JOB_ID="mdrun-t-int", TICKS="300")
    proc = subprocess.Popen(_mdrun(tmp_path, ray_cluster), cwd=tmp_path / "ml" / "demo", env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("[train] tick 2"):
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert _job(ray_cluster, "mdrun-t-int")["status"] == "STOPPED"
    alive = [
        j["submission_id"] for j in _jobs(ray_cluster) if j["status"] in ("PENDING", "RUNNING")
    ]
    assert alive == []


def test_a_runbook_runs_on_the_cluster_and_detach_attach_round_trips(
    tmp_path: Path, ray_cluster: raycluster.Cluster
) -> None:
    write_tree(tmp_path, {
        "rb.md": '# On Ray\n\n```shell {name=hello}\necho "hello $WHO from $(basename "$PWD")"\n'
                 '```\n\n--8<-- "part.md"\n',
        "snippets/part.md": "```shell {name=ticks}\nfor i in 1 2; do echo tick $i; done\n```\n",
    })  # fmt: skip
    base = [sys.executable, "-m", "mdrun", "run", "--ray", ray_cluster.address, "rb.md"]
    env = _env(ray_cluster)
    proc = subprocess.run([*base, "-e", "WHO=ray", "--log-dir", "local"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[hello] hello ray from _ray_pkg_" in proc.stdout
    assert "[ticks] tick 2" in proc.stdout
    assert "[ticks] tick 2" in (tmp_path / "local" / "console.log").read_text()
    job = json.loads((tmp_path / "local" / "job.json").read_text())
    assert job["files"] == ["rb.md", "snippets/part.md"]
    assert job["runtime_env"]["py_modules"][0].endswith("mdrun")

    proc = subprocess.run([*base, "--detach", "--log-dir", "detached"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    job_id = proc.stdout.split("as Ray job ")[1].split()[0]
    assert not (tmp_path / "detached" / "console.log").exists()
    attach = [sys.executable, "-m", "mdrun", "attach", job_id, "--ray", ray_cluster.address]
    again = subprocess.run(attach, cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=120, check=False)  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert "[hello] hello  from _ray_pkg_" in again.stdout
    deadline = time.monotonic() + 30
    while _job(ray_cluster, job_id)["status"] != "SUCCEEDED" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _job(ray_cluster, job_id)["status"] == "SUCCEEDED"
