"""The store's `ml/ray/run/logs.md`, console path, through `python -m mdrun run` against a real
local Ray head (on 127.0.0.1, as the README's demo starts it) and a job printing known lines.

What it shows: the prerequisites this machine has (jq, kubectl) are skipped by their
`validate:`; the job's lines arrive on mdrun's console (the store's console path,
`logs/via-cli.sh`, prints what the dashboard holds, so the job is left to finish first); websocat,
which the guidebook imports for its file path and downloads from GitHub, fails to install,
named with its origin through the import chain, and the run exits 1 with nothing left running.

Nothing reaches past loopback: the run's `https_proxy` is a loopback port bound and not
listening, so the download is refused at once (with or without a network), `no_proxy` lets the
dashboard calls through, and kubectl gets a kubeconfig that does not exist (localhost:8080).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.bench_raylag import start_head
from tests.conftest import SHARED
from tests.helpers import raycluster

STORE = SHARED / "store" / "guidebooks"
LOGS_MD = STORE / "ml" / "ray" / "run" / "logs.md"
LINES = 5
BIN = Path(sys.executable).parent

pytestmark = [
    pytest.mark.ray,
    pytest.mark.timeout(240),
    pytest.mark.shared("store", "guidebooks"),
    pytest.mark.skipif(
        importlib.util.find_spec("ray") is None or not (BIN / "ray").exists(),
        reason="Ray is not installed beside this Python (pip install -e '.[ray]')",
    ),
    pytest.mark.skipif(
        not shutil.which("jq"),
        reason="jq is not installed: its install would fail before the logs (.ci/run installs it)",
    ),
    pytest.mark.skipif(bool(shutil.which("websocat")), reason="websocat is installed"),
]


@pytest.fixture
def head() -> Iterator[str]:
    """A loopback-only Ray head of its own; its dashboard URL. Stopped by signalling the
    processes that name its temporary directory (never `ray stop`: that stops every Ray of
    this user)."""
    temp = tempfile.mkdtemp(prefix="mdrun-sl-", dir="/tmp")  # Ray's socket paths are short
    cluster = raycluster.Cluster("", (temp,), {})
    try:
        yield start_head(str(BIN / "ray"), temp)[0]
    finally:
        raycluster.stop(cluster)
        shutil.rmtree(temp, ignore_errors=True)
    assert not raycluster.pids(cluster), "Ray processes outlived the test"


def _job(address: str, job_id: str, body: bytes | None = None) -> dict[str, Any]:
    url = f"{address}/api/jobs/" + ("" if body else job_id)
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        data: dict[str, Any] = json.loads(response.read())
    return data


def run_job_to_the_end(address: str, job_id: str) -> None:
    """Submit the demo's job (numbered lines) as `job_id` and wait until it has succeeded."""
    loop = f'i=1; while [ $i -le {LINES} ]; do echo "demo line $i of {LINES}"; i=$((i+1)); done'
    _job(
        address, "", json.dumps({"entrypoint": f"sh -c '{loop}'", "submission_id": job_id}).encode()
    )
    deadline = time.monotonic() + 120
    while (status := _job(address, job_id)["status"]) not in ("SUCCEEDED", "FAILED", "STOPPED"):
        assert time.monotonic() < deadline, f"job {job_id} still {status}"
        time.sleep(0.5)
    assert status == "SUCCEEDED"


def line_of(path: Path, pattern: str, before: str = "") -> int:
    """The 1-based line of `path` matching `pattern`; with `before`, the last line matching
    `before` above it (a fence opening above a command)."""
    lines = path.read_text().splitlines()
    hit = next(i for i, text in enumerate(lines) if re.search(pattern, text))
    if before:
        hit = max(i for i in range(hit) if re.search(before, lines[i]))
    return hit + 1


def websocat_origin() -> str:
    """The origin mdrun gives the Linux/Intel websocat install, computed from the store."""
    websocat = STORE / "util" / "websocat.md"
    via = STORE / "ml" / "ray" / "run" / "logs" / "via-websocat.md"
    fence = line_of(websocat, "websocat_amd64-linux-static", before=r"^\s*```shell")
    imported = line_of(via, r"^\s*- util/websocat$")
    included = line_of(LOGS_MD, r'^--8<-- "\./logs/via-websocat\.md"$')
    return f"{websocat}:{fence} (via {via}:{imported} < {LOGS_MD}:{included})"


def offline_env(tmp_path: Path, proxy: str) -> dict[str, str]:
    """This environment minus Ray's, mdrun's, Kubernetes' and the log paths' variables, every
    download sent to `proxy` (loopback excepted), kubectl pointed at no cluster."""
    drop = ("STREAMCONSUMER_LOGS", "LOGDIR_STAGE", "LOG_AGGREGATOR_POD_NAME", "NUM_GPUS")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy")
        and not k.startswith(("RAY_", "MDRUN_", "KUBE"))
        and k not in drop
    }
    env.update(dict.fromkeys(("https_proxy", "HTTPS_PROXY", "http_proxy", "ALL_PROXY"), proxy))
    env.update(dict.fromkeys(("no_proxy", "NO_PROXY"), "127.0.0.1,localhost"))
    env.update(KUBECONFIG=str(tmp_path / "no-kubeconfig"), NO_COLOR="1", TERM="dumb")
    if not shutil.which("kubectl"):  # installed as far as `which` knows, with no cluster behind it
        stand_in = tmp_path / "bin" / "kubectl"
        stand_in.parent.mkdir()
        stand_in.write_text(
            "#!/bin/sh\necho 'The connection to the server was refused' >&2\nexit 1\n"
        )
        stand_in.chmod(0o755)
        env["PATH"] = f"{stand_in.parent}{os.pathsep}{env['PATH']}"
    return env


def run_logs_md(
    tmp_path: Path, address: str, job_id: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    """`mdrun run` of the store's logs.md, console path, answered for Linux on x64; and where
    its downloads went (curl's words: `127.0.0.1 port N`)."""
    stage = tmp_path / "stage"  # logs/init.md makes it where a guidebook imports that
    stage.mkdir()
    argv = [sys.executable, "-m", "mdrun", "run", "--store", str(STORE), str(LOGS_MD)]
    argv += ["--log-dir", "logs", "-e", f"RAY_ADDRESS={address}", "-e", f"JOB_ID={job_id}"]
    argv += ["-e", f"LOGDIR_STAGE={stage}"]  # unset, the job's definition is written to /
    argv += ["--choose", "madwizard/apriori/platform=Linux"]
    argv += ["--choose", "madwizard/apriori/arch=X64"]
    with socket.socket() as dead:  # bound, never listening: a proxy that refuses at once
        dead.bind(("127.0.0.1", 0))
        host, port = dead.getsockname()
        env = offline_env(tmp_path, f"http://{host}:{port}")
        proc = subprocess.run(
            argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
        )
    return proc, f"{host} port {port}"


def assert_nothing_left(run_id: str) -> None:
    """No process carries the run's id any more."""
    needle = f"MDRUN_RUN_ID={run_id}".encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue  # gone, or not ours to read
        assert needle not in environ.split(b"\0"), f"process {proc.name} outlived the run"


def test_console_path_skips_what_is_installed_prints_the_job_and_names_websocat(
    tmp_path: Path, head: str
) -> None:
    job_id = f"mdrun-store-logs-{os.getpid()}"
    run_job_to_the_end(head, job_id)
    proc, proxy = run_logs_md(tmp_path, head, job_id)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-4000:]
    for tool in ("jq", "kubectl"):
        assert re.search(rf"\[mdrun\] skipped \S+: already done \(`validate` succeeded: `which {tool}`\)", out), out  # fmt: skip
    lines = proc.stdout.splitlines()
    prefix = "[logs-just-to-console] demo line "
    console = [i for i, line in enumerate(lines) if line.startswith(prefix)]
    expected = [f"{prefix}{i} of {LINES}" for i in range(1, LINES + 1)]
    assert [lines[i] for i in console] == expected, out
    failed = f"[mdrun] error: block 'websocat-2' ({websocat_origin()}) failed with exit code 7"
    assert lines.index(failed) > console[-1], out[-4000:]
    manifest = json.loads((tmp_path / "logs" / "run.json").read_text())
    status = {b["name"]: b["status"] for b in manifest["blocks"]}
    assert status["install-jq-2"] == status["install-kubectl-https-kubernetes-io-docs"] == "skipped"
    assert (status["logs-just-to-console"], status["websocat-2"]) == ("ok", "failed")
    assert f"Failed to connect to {proxy}" in (tmp_path / "logs" / "websocat-2.log").read_text()
    assert_nothing_left(manifest["run_id"])
