"""The README's demo, end to end, against a real local Ray head, through `python -m mdrun run`.

Runs twice: logs on the console only, then into `${STREAMCONSUMER_LOGS}job.txt`. A small
wrapper runbook includes the demo and adds one block that saves, while Ray still runs, what the
dashboard holds (`GET /api/jobs/{id}/logs`) to compare with. Needs the `[ray]` extra installed
beside the Python running the tests; skipped otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bench.bench_raylag import start_head
from tests.helpers.ontty import Terminal

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LINES = 20

pytestmark = [
    pytest.mark.ray,
    pytest.mark.timeout(240),
    pytest.mark.skipif(
        importlib.util.find_spec("ray") is None or not (BIN / "ray").exists(),
        reason="Ray is not installed beside this Python (pip install -e '.[ray]')",
    ),
]

WRAPPER = """\
--8<-- "demo-local-ray.md"

```shell {name=e2e-capture}
# What the dashboard holds, saved while Ray still runs
curl -fsS "$RAY_ADDRESS/api/jobs/$JOB_ID/logs" > "$E2E_DIR/api-logs.json"
printf '%s\\n' "$JOB_ID" "$RAY_DEMO_TMP" > "$E2E_DIR/ids.txt"
# Every listening TCP socket and every process, to check Ray stays on loopback
if command -v ss >/dev/null; then ss -ltnpH > "$E2E_DIR/listen.txt"; fi
ps -eo pid=,args= > "$E2E_DIR/ps.txt"
```
"""


def demo_command(tmp_path: Path, **env: str) -> tuple[list[str], dict[str, str]]:
    """argv and environment that run the demo through mdrun in `tmp_path`."""
    (tmp_path / "e2e.md").write_text(WRAPPER)
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("STREAMCONSUMER_LOGS", "QUIET_CONSOLE", "KUBE_CONTEXT", "NUM_GPUS")
        and not k.startswith(("RAY_", "MDRUN_", "LOGDIR_"))
    }
    full_env = {
        **base,
        "PATH": f"{BIN}:{base.get('PATH', '/usr/bin:/bin')}",
        "NO_COLOR": "1",
        "E2E_DIR": str(tmp_path),
        "DEMO_LINES": str(LINES),
        "DEMO_PERIOD": "0.25",
        "METRICS_INTERVAL": "1",
        **env,
    }
    argv = [sys.executable, "-m", "mdrun", "run", "e2e.md", "--log-dir", "logs"]
    argv += ["--base-path", str(ROOT / "runbooks"), "--base-path", str(ROOT / "snippets")]
    return argv, full_env


def manifest_of(tmp_path: Path) -> dict[str, object]:
    """The run's run.json."""
    data: dict[str, object] = json.loads((tmp_path / "logs" / "run.json").read_text())
    return data


def run_demo(
    tmp_path: Path, **env: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    """Run the demo through mdrun in `tmp_path`; the process result and the run manifest."""
    argv, full_env = demo_command(tmp_path, **env)
    proc = subprocess.run(
        argv, cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=220, check=False
    )
    return proc, manifest_of(tmp_path)


def job_lines(tmp_path: Path) -> list[str]:
    """The job's log as the dashboard served it, line by line."""
    logs: str = json.loads((tmp_path / "api-logs.json").read_text())["logs"]
    lines = logs.splitlines()
    assert [line for line in lines if line.startswith("demo line")] == [
        f"demo line {i} of {LINES}" for i in range(1, LINES + 1)
    ]
    return lines


def assert_all_stopped(tmp_path: Path, manifest: dict[str, object], ray_tmp: str = "") -> None:
    """Samplers stopped, Ray stopped, nothing of the run alive."""
    blocks = {b["name"]: b for b in manifest["blocks"]}  # type: ignore[attr-defined]
    for name in ("cpu-host", "memory-host"):
        assert blocks[name]["status"] == "stopped", blocks[name]
    assert blocks["stop-ray"]["status"] == "ok"
    ray_tmp = ray_tmp or (tmp_path / "ids.txt").read_text().split()[1]
    assert not Path(ray_tmp).exists()
    needle = f"MDRUN_RUN_ID={manifest['run_id']}".encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            environ, cmdline = (proc / "environ").read_bytes(), (proc / "cmdline").read_bytes()
        except OSError:
            continue  # gone, or not ours to read
        assert needle not in environ.split(b"\0"), f"{proc.name} {cmdline!r} outlived the run"
        assert ray_tmp.encode() not in cmdline, f"Ray process {proc.name} {cmdline!r} left"


def assert_ray_on_loopback(tmp_path: Path) -> None:
    """No process of this run's Ray listens on anything but 127.0.0.0/8 or ::1."""
    listen = tmp_path / "listen.txt"
    if not listen.exists():
        pytest.skip("ss (iproute2) is not installed")
    ray_tmp = (tmp_path / "ids.txt").read_text().split()[1]
    args = dict(
        line.strip().split(" ", 1)
        for line in (tmp_path / "ps.txt").read_text().splitlines()
        if " " in line.strip()
    )
    seen = 0
    for line in listen.read_text().splitlines():
        pids = re.findall(r"pid=(\d+)", line)
        if not any(ray_tmp in args.get(pid, "") for pid in pids):
            continue
        seen += 1
        local = line.split()[3]
        assert local.startswith(("127.", "[::1]", "[::ffff:127.")), line
    assert seen, "no listening socket of this run's Ray was found"


def test_console_only(tmp_path: Path) -> None:
    proc, manifest = run_demo(tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    console = [
        line.removeprefix("[logs-console] ")
        for line in proc.stdout.splitlines()
        if line.startswith("[logs-console] ")
    ]
    expected = job_lines(tmp_path)
    assert console[: len(expected)] == expected
    assert console[len(expected) :] == ["SUCCEEDED"]
    assert not list(tmp_path.rglob("job.txt"))
    # stream-logs.md's question, reached after submit-job exported JOB_ID, is answered by it
    answers = manifest["answers"]
    assert isinstance(answers, dict)
    submitted = (tmp_path / "ids.txt").read_text().split()[0]
    assert [(a["value"], a["source"]) for a in answers.values()] == [(submitted, "environment")]
    assert_ray_on_loopback(tmp_path)
    assert_all_stopped(tmp_path, manifest)


def test_stream_consumer_file(tmp_path: Path) -> None:
    consumer = tmp_path / "consumer"
    proc, manifest = run_demo(tmp_path, STREAMCONSUMER_LOGS=f"{consumer}/")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    job_txt = (consumer / "job.txt").read_text().splitlines()
    assert job_txt == job_lines(tmp_path)
    definition = json.loads((consumer / "ray-job-definition.json").read_text())
    assert "demo line" in definition["entrypoint"]
    assert definition["submission_id"] == (tmp_path / "ids.txt").read_text().split()[0]
    cpu = (consumer / "resources" / "cpu.txt").read_text().splitlines()
    assert any(re.match(r"^\s*\d+\s+\d+\s+\d+", line) for line in cpu), cpu
    memory = (consumer / "resources" / "memory.txt").read_text()
    assert re.search(r"memory used \d+ MiB", memory), memory
    assert_all_stopped(tmp_path, manifest)


def test_interrupted_run_still_stops_ray(tmp_path: Path) -> None:
    argv, env = demo_command(tmp_path, DEMO_LINES="400")
    proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    seen: list[str] = []
    for line in proc.stdout:  # the job is streaming: interrupt it mid-way
        seen.append(line)
        if line.startswith("[logs-console] demo line 3 of"):
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stdout.read()
    assert proc.wait(timeout=120) == 130, "".join(seen) + rest
    assert "[mdrun] cleanup: stop-ray" in rest
    ray_tmp = next(line.split()[-1] for line in seen if line.startswith("[prepare-ray] ray: "))
    assert_all_stopped(tmp_path, manifest_of(tmp_path), ray_tmp)


def test_stream_logs_offers_the_clusters_jobs_and_follows_the_one_picked(tmp_path: Path) -> None:
    _, env = demo_command(tmp_path)
    ray_tmp = tempfile.mkdtemp(prefix="mdrun-ray-", dir="/tmp")  # Ray's socket paths are short
    ray = [str(BIN / "ray")]
    env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # keep Ray on loopback, as the demo does
    try:
        env["RAY_ADDRESS"] = start_head(ray[0], ray_tmp)[0]
        job = f"mdrun-e2e-pick-{os.getpid()}"
        submit = [*ray, "job", "submit", "--no-wait", "--submission-id", job, "--"]
        subprocess.run(
            [*submit, "sh", "-c", "for i in 1 2 3; do echo picked line $i; sleep 0.2; done"],
            env=env, check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        argv = [sys.executable, "-m", "mdrun", "run", str(ROOT / "runbooks" / "stream-logs.md")]
        argv += ["--base-path", str(ROOT / "snippets"), "--log-dir", "logs"]
        tty = Terminal(argv, {**env, "TERM": "xterm", "MDRUN_PYTHON": sys.executable}, tmp_path)
        tty.wait_for(job.encode(), timeout=60)
        tty.send("\r")  # the newest job is the first answer
        code, screen = tty.finish(timeout=120)
        assert code == 0, screen[-3000:]
        assert "[logs-console] picked line 3" in screen
        answer = manifest_of(tmp_path)["answers"]["stream-logs"]  # type: ignore[index]
        assert answer == {"value": job, "fields": None, "source": "prompt", "detail": "asked"}
    finally:
        subprocess.run(
            [*ray, "stop", "--grace-period", "5"], env=env, capture_output=True, check=False
        )
        shutil.rmtree(ray_tmp, ignore_errors=True)
