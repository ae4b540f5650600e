"""The Kubernetes samplers against a STAND-IN kubectl (tests/fixtures/kubectl/kubectl).

No cluster is involved: the stand-in records the arguments it was called with and answers
with recorded-format output (see tests/fixtures/kubectl/README.md). What is tested is the
contract on both sides: the commands the blocks send (context, namespace, selector, exec
targets) and how they label and pass on what comes back. The block bodies are the ones in
runbooks/stream-logs.md, taken through mdrun's loader, run with bash.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from mdrun.blocks.extract import load_runbook
from mdrun.model import LoadOptions
from tests.conftest import SHARED, run_mdrun

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = ROOT / "runbooks" / "stream-logs.md"
STAND_IN = ROOT / "tests" / "fixtures" / "kubectl"
CAPTURES = SHARED / "fixtures" / "gpu"
PODS = [p.removeprefix("pod/") for p in (STAND_IN / "get-pods-name.txt").read_text().split()]
KUBE_BLOCKS = ("cpu-pods", "memory-pods", "requests-pods")
HOST_BLOCKS = ("cpu-host", "memory-host", "requests-host")

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.shared("fixtures", "gpu"),
]


def body(name: str) -> str:
    """The named block of the stream-logs runbook, as mdrun would run it."""
    (block,) = [b for b in load_runbook(str(RUNBOOK), LoadOptions()).blocks if b.name == name]
    return block.body


def run_block(tmp_path: Path, name: str, **env: str) -> tuple[str, list[list[str]]]:
    """Run a block with the stand-in first on PATH; its stdout and the kubectl calls made."""
    log = tmp_path / "kubectl-calls.log"
    base = {k: v for k, v in os.environ.items() if k not in ("KUBE_NAMESPACE", "NO_COLOR")}
    full_env = {
        **base,
        "PATH": f"{STAND_IN}:{base['PATH']}",
        "STANDIN_LOG": str(log),
        "STANDIN_GPU_DIR": str(CAPTURES),
        "KUBE_CONTEXT": "kind-mdrun",
        "METRICS_INTERVAL": "1",
        **env,
    }
    proc = subprocess.run(
        ["bash", "-c", body(name)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    records = log.read_text().split("\x1e")[:-1] if log.exists() else []
    calls = [record.split("\x1f") for record in records]
    return proc.stdout, calls


def test_cpu_runs_vmstat_in_every_ray_pod_and_labels_its_lines(tmp_path: Path) -> None:
    out, calls = run_block(tmp_path, "cpu-pods", KUBE_NAMESPACE="ray")
    listing = ["--context", "kind-mdrun", "--namespace", "ray", "get", "pods"]
    assert calls[0] == [*listing, "-l", "ray.io/is-ray-node=yes", "-o", "name"]
    execs = sorted(c for c in calls[1:])
    prefix = ["--context", "kind-mdrun", "--namespace", "ray", "exec"]
    assert execs == [[*prefix, f"pod/{p}", "--", "vmstat", "-n", "-t", "1"] for p in PODS]
    vmstat = (CAPTURES / "vmstat-16core.txt").read_text().split("--- cgroup")[0].splitlines()
    for pod in PODS:
        assert [
            line.removeprefix(f"{pod} ") for line in out.splitlines() if line.startswith(pod)
        ] == (vmstat)


def test_without_a_namespace_none_is_passed(tmp_path: Path) -> None:
    _, calls = run_block(tmp_path, "requests-pods", RAY_POD_SELECTOR="ray.io/cluster=mine")
    (call,) = calls
    assert "--namespace" not in call
    assert call[call.index("-l") + 1] == "ray.io/cluster=mine"


def test_memory_probe_runs_in_each_pod_and_reports_bytes(tmp_path: Path) -> None:
    out, calls = run_block(tmp_path, "memory-pods")
    assert {c[c.index("exec") + 1] for c in calls[1:]} == {f"pod/{p}" for p in PODS}
    assert all(c[c.index("--") + 1 : c.index("--") + 3] == ["sh", "-c"] for c in calls[1:])
    sample = re.compile(r"^(\S+) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ used_bytes=\d+ limit_bytes=\S+$")
    seen = sorted(m.group(1) for line in out.splitlines() if (m := sample.match(line)))
    # The stand-in's `sleep` ends each pod's loop at its second sleep: two samples each.
    assert seen == sorted(PODS * 2), out


def test_requests_show_what_each_pod_asked_for(tmp_path: Path) -> None:
    out, calls = run_block(tmp_path, "requests-pods")
    assert out == (STAND_IN / "get-pods-requests.txt").read_text()
    columns = next(a for a in calls[0] if a.startswith("custom-columns="))
    for field in ("requests.cpu", "requests.memory", r"requests.nvidia\.com/gpu"):
        assert field in columns


def test_gpu_lines_from_pods_carry_the_pod_name(tmp_path: Path) -> None:
    # The stand-in's `sleep` ends each pod's sampling loop at its second sleep: two samples.
    out, calls = run_block(tmp_path, "gpu-utilization", NUM_GPUS="1", NO_COLOR="1")
    assert len(calls) == 1 + len(PODS)
    for call in calls[1:]:
        script, query, interval = call[call.index("-c") + 1 :]
        assert "nvidia-smi" in script and query.startswith("timestamp,utilization.gpu,")
        assert interval == "1"
    rows = (CAPTURES / "nvidia-smi-load.csv").read_text().splitlines()
    for pod in PODS:
        mine = [line for line in out.splitlines() if line.startswith(f"{pod} ")]
        assert len(mine) == 2 * 3 * len(rows), out
        assert mine[2] == f"{pod} {rows[0].split(', ')[0]} GPU temperature  35 C"


def test_consumer_files_receive_the_samples(tmp_path: Path) -> None:
    consumer = f"{tmp_path}/out/"
    out, _ = run_block(tmp_path, "cpu-pods", STREAMCONSUMER_LOGS=consumer)
    assert Path(consumer, "resources", "cpu.txt").read_text() == out


def plan_verdicts(*assignments: str) -> dict[str, str]:
    """`mdrun plan --format json` verdict per block name."""
    argv = ["plan", str(RUNBOOK), "--format", "json"]
    for assignment in ("RAY_ADDRESS=http://127.0.0.1:8265", "JOB_ID=j", *assignments):
        argv += ["-e", assignment]
    env = {k: v for k, v in os.environ.items() if k not in ("KUBE_CONTEXT", "NUM_GPUS")}
    proc = run_mdrun(*argv, env=env, timeout=30, check=True)
    return {b["name"]: b["verdict"] for b in json.loads(proc.stdout)["blocks"]}


def test_plan_shows_which_samplers_run() -> None:
    kube = plan_verdicts("KUBE_CONTEXT=kind-mdrun", "NUM_GPUS=2")
    host = plan_verdicts()
    assert [kube[n] for n in KUBE_BLOCKS + HOST_BLOCKS] == ["run"] * 3 + ["skip"] * 3
    assert [host[n] for n in KUBE_BLOCKS + HOST_BLOCKS] == ["skip"] * 3 + ["run"] * 3
    assert (kube["gpu-utilization"], host["gpu-utilization"]) == ("run", "skip")
