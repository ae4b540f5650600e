"""What an `exec: ray-submit` block becomes, decided without Ray: the argument list, the job
(entrypoint, working directory, pip, env vars), its definition, and a dry run that submits
nothing. And `run --ray`'s files and its errors, which need no cluster either."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mdrun.errors import UsageError
from mdrun.load.loader import load_document
from mdrun.model import LoadOptions, SourceLocation
from mdrun.ray import definition
from mdrun.ray.jobs import Outcome, Terminal, exit_code, failure_message
from mdrun.ray.jobspec import build_job, job_env, parse_submit_args
from mdrun.ray.runbook import runbook_files
from tests.conftest import write_tree

HERE = SourceLocation("gb/index.md", 12)


def test_the_store_forms_of_ray_submit_are_read() -> None:
    args = parse_submit_args(
        ["--job-id", "j1", "--working-dir=/w", "--base-image=img:1", "--entrypoint=main.py",
         "--", "-v", "--", "x y"]
    )  # fmt: skip
    assert (args.job_id, args.working_dir, args.base_image, args.entrypoint) == (
        "j1", "/w", "img:1", "main.py")  # fmt: skip
    assert args.args == ("-v", "--", "x y")
    assert parse_submit_args(["--job-id", "j", "--no-wait"]).no_wait


def test_a_bad_ray_submit_line_names_the_block() -> None:
    with pytest.raises(UsageError) as err:
        parse_submit_args(["--job-id"], HERE)
    assert str(err.value).startswith("gb/index.md:12: exec: ray-submit: argument --job-id")
    with pytest.raises(UsageError, match="NAME: NUMBER"):
        parse_submit_args(["--entrypoint-resources", '{"a": "x"}'], HERE)


def test_a_body_that_is_the_included_file_runs_as_that_file(tmp_path: Path) -> None:
    main = write_tree(tmp_path, {"gb/main.py": "print(1)\n", "gb/requirements.txt": "torch # ml\n"})
    args = parse_submit_args(["--job-id", "j", "--", "--epochs", "3"])
    job = build_job(args, "print(1)\n", "python", str(main), {"MDRUN_RAY_PIP": "numpy\ntorch"})
    assert job.entrypoint == "python main.py --epochs 3"
    assert (job.source_dir, job.body_file, job.body) == (str(tmp_path / "gb"), "main.py", "")
    assert job.pip == ("torch", "numpy")


def test_any_other_body_is_written_beside_the_source(tmp_path: Path) -> None:
    index = write_tree(tmp_path, {"gb/index.md": "# x\n"})
    job = build_job(parse_submit_args([]), "import ray\n", "python", str(index), {})
    assert job.entrypoint == "python mdrun_block.py"
    assert (job.body_file, job.body) == ("mdrun_block.py", "import ray\n")
    assert job.submission_id.startswith("mdrun-")
    assert definition.planned_files(job) == ["index.md", "mdrun_block.py"]


def test_an_empty_body_runs_the_arguments_or_the_entrypoint(tmp_path: Path) -> None:
    args = parse_submit_args(
        ["--working-dir=w", "--", "bash", "-c", "chmod +x main.sh && ./main.sh"]
    )
    assert build_job(args, "", "python", "x.md", {}).entrypoint == (
        "bash -c 'chmod +x main.sh && ./main.sh'")  # fmt: skip
    args = parse_submit_args(["--entrypoint=main.py", "--", "-x"])
    assert build_job(args, "", "shell", "x.md", {}).entrypoint == "python main.py -x"
    with pytest.raises(UsageError, match="nothing to run"):
        build_job(parse_submit_args([]), "\n", "python", "x.md", {}, location=HERE)


def test_the_job_gets_the_exported_environment_but_what_is_local_to_this_machine() -> None:
    env = {"PATH": "/bin", "HOME": "/root", "PWD": "/x", "SHLVL": "2", "LC_ALL": "C",
           "MDRUN_RUN_ID": "r", "MWFILEPATH": "/t/b.py", "RAY_ADDRESS": "http://h:8265",
           "S3_BUCKET": "b", "AWS_SECRET_ACCESS_KEY": "k3y!",
           "BASH_FUNC_f%%": "() { :; }"}  # fmt: skip
    assert job_env(env) == {"AWS_SECRET_ACCESS_KEY": "k3y!", "S3_BUCKET": "b"}


def test_the_recorded_definition_hides_secrets_and_says_the_base_image_is_not_used(
    tmp_path: Path,
) -> None:
    main = write_tree(tmp_path, {"main.py": "pass\n"})
    args = parse_submit_args(["--job-id", "j", "--base-image=quay.io/x:1"])
    job = build_job(args, "pass\n", "python", str(main), {"API_TOKEN": "t0ken", "N": "1"}, (), HERE)
    record = definition.record(job, "http://h:8265", ["main.py"])
    expected = {"working_dir": str(tmp_path), "env_vars": {"API_TOKEN": "***", "N": "1"}}
    assert record["runtime_env"] == expected
    assert record["block"] == "gb/index.md:12"
    assert "recorded only" in str(record["base_image_note"])
    assert "t0ken" not in definition.describe(record)


@contextlib.contextmanager
def recording_socket() -> Iterator[tuple[int, list[object]]]:
    """A loopback port that records every connection made to it while the block runs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    connected: list[object] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            connected.append(listener.accept())

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        yield listener.getsockname()[1], connected
    finally:
        thread.join()
        listener.close()


def test_a_dry_run_shows_the_job_and_submits_nothing(tmp_path: Path) -> None:
    """Canary: RAY_ADDRESS points at a socket that records every connection, and the body
    would leave a file behind if anything ran it."""
    marker = tmp_path / "ran"
    body = write_tree(tmp_path, {"gb/main.py": f"open({str(marker)!r}, 'w')\n"})
    with recording_socket() as (port, connected):
        env = {**os.environ, "RAY_ADDRESS": f"http://127.0.0.1:{port}", "DB_PASSWORD": "hunter22"}
        proc = subprocess.run(
            [sys.executable, "-m", "mdrun.ray.submit", "--dry-run", "--body", str(body),
             "--source", str(body), "--location", "gb/index.md:3", "ray-submit", "--job-id", "j9",
             "--entrypoint-resources", '{"gpu_node": 1}', "--", "--fast"],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not connected and not marker.exists()
    assert f"ray job j9 at http://127.0.0.1:{port}" in proc.stdout
    assert "entrypoint: python main.py --fast" in proc.stdout
    assert 'entrypoint_resources: {"gpu_node": 1.0}' in proc.stdout
    assert "env: DB_PASSWORD=***" in proc.stdout and "hunter22" not in proc.stdout


RAY_GUIDEBOOK = """# Train

```shell
export JOB_ID=train-7
```

```python
---
exec: >-
  ray-submit --job-id ${JOB_ID} --entrypoint-resources '{"gpu_node": 1}' -- --epochs 2
---
--8<-- "./main.py"
```
"""


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_plan_shows_the_job_a_ray_submit_block_would_submit(tmp_path: Path, fmt: str) -> None:
    """Canary: `mdrun plan` of a guidebook with an `exec: ray-submit` block connects to
    nothing at RAY_ADDRESS and runs nothing, and shows the job with `${JOB_ID}` filled in from
    the block before it."""
    marker = tmp_path / "ran"
    write_tree(tmp_path, {"gb/index.md": RAY_GUIDEBOOK,
                          "gb/main.py": f"open({str(marker)!r}, 'w')\n"})  # fmt: skip
    with recording_socket() as (port, connected):
        env = {**os.environ, "RAY_ADDRESS": f"http://127.0.0.1:{port}", "DB_PASSWORD": "hunter22"}
        proc = subprocess.run(
            [sys.executable, "-m", "mdrun", "plan", "--format", fmt, "gb/index.md"], cwd=tmp_path,
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not connected and not marker.exists()
    assert "hunter22" not in proc.stdout
    if fmt == "json":
        job = json.loads(proc.stdout)["blocks"][1]["ray_job"]
        assert (job["submission_id"], job["entrypoint"]) == ("train-7", "python main.py --epochs 2")
        assert job["runtime_env"]["working_dir"] == str(tmp_path / "gb")
        assert job["runtime_env"]["env_vars"]["DB_PASSWORD"] == "***"
        assert job["address"] == f"http://127.0.0.1:{port}" and job["block"] == "gb/index.md:7"
        return
    assert f"ray job train-7 at http://127.0.0.1:{port}" in proc.stdout
    assert "  entrypoint: python main.py --epochs 2" in proc.stdout
    assert f"  working_dir: {tmp_path / 'gb'}" in proc.stdout
    assert "  files: index.md, main.py" in proc.stdout


def _plan_ray_guidebook(tmp_path: Path, fmt: str) -> str:
    write_tree(tmp_path, {"gb/index.md": RAY_GUIDEBOOK, "gb/main.py": "print(1)\n"})
    env = {**os.environ, "RAY_ADDRESS": "http://127.0.0.1:9", "DB_PASSWORD": "hunter22"}
    proc = subprocess.run(
        [sys.executable, "-m", "mdrun", "plan", "--format", fmt, "gb/index.md"], cwd=tmp_path,
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_text_job_preview_lists_the_runbooks_variables_and_counts_the_rest(
    tmp_path: Path, fmt: str
) -> None:
    sent = json.loads(_plan_ray_guidebook(tmp_path, "json"))["blocks"][1]["ray_job"]
    env_vars = sent["runtime_env"]["env_vars"]
    assert env_vars["JOB_ID"] == "train-7" and env_vars["DB_PASSWORD"] == "***"  # JSON: all
    text = _plan_ray_guidebook(tmp_path, fmt)
    listed = [line.strip() for line in text.splitlines() if line.strip().startswith("env: ")]
    inherited = len(env_vars) - 1
    assert listed == [
        "env: JOB_ID=train-7",
        f"env: and {inherited} inherited variables (all of them in --format json)",
    ]


def test_a_whole_runbook_ships_every_file_it_was_read_from(tmp_path: Path) -> None:
    rb = write_tree(tmp_path, {
        "book/rb.md": "---\nimports:\n  - setup\n---\n# R\n--8<-- \"parts/a.md\"\n",
        "book/setup.md": "```shell\necho setup\n```\n",
        "book/parts/a.md": '--8<-- "./b.md"\n',
        "book/parts/b.md": "```shell\necho b\n```\n",
        "book/unused.md": "not shipped\n",
    })  # fmt: skip
    files = runbook_files(load_document(str(rb), LoadOptions()))
    names = sorted(os.path.relpath(f, tmp_path / "book") for f in files)
    assert names == ["parts/a.md", "parts/b.md", "rb.md", "setup.md"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "rb.md", "--detach"], "mdrun: --detach needs --ray ADDRESS"),
        (["attach", "j1"], "mdrun: no Ray cluster: give --ray ADDRESS or set RAY_ADDRESS"),
        (["run", "--ray", "ray://h:10001", "rb.md"], "a Ray Client address"),
        (["run", "--ray", "http://127.0.0.1:9", "rb.md"], "no Ray cluster answers at"),
        (["attach", "j1", "--ray", "http://127.0.0.1:9"], "no Ray cluster answers at"),
    ],
)
def test_ray_usage_errors_are_one_line_and_exit_2(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    write_tree(tmp_path, {"rb.md": "```shell\necho hi\n```\n"})
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    proc = subprocess.run([sys.executable, "-m", "mdrun", *argv], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and len(proc.stderr.splitlines()) == 1, proc.stderr


def test_the_definition_is_json(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "j.job.json"
    definition.write(str(path), {"a": 1})
    assert json.loads(path.read_text()) == {"a": 1}
    assert path.stat().st_mode & 0o777 == 0o600


def test_plan_describes_a_ray_submit_block_without_running_it(tmp_path: Path) -> None:
    main = write_tree(
        tmp_path, {"gb/main.py": "raise SystemExit(1)\n", "gb/requirements.txt": "x\n"}
    )
    env = {"RAY_ADDRESS": "http://h:8265", "HF_TOKEN": "abcd1234", "JOB_ID": "j"}
    job = definition.planned_job(
        ["--job-id", "j", "--", "-v"], "raise SystemExit(1)\n", "python", str(main), env, HERE
    )
    text = definition.describe(job)
    assert text.splitlines()[:3] == [
        "ray job j at http://h:8265",
        "  entrypoint: python main.py -v",
        f"  working_dir: {tmp_path / 'gb'}",
    ]
    assert "  files: main.py, requirements.txt" in text and "  pip: x" in text
    assert "HF_TOKEN=***" in text and "abcd1234" not in text


@pytest.mark.parametrize(
    ("status", "sig", "details", "code"),
    [
        ("SUCCEEDED", None, {}, 0),
        ("FAILED", None, {"driver_exit_code": 3}, 1),
        ("STOPPED", None, {}, 128 + signal.SIGTERM),
        ("STOPPED", signal.SIGINT, {}, 128 + signal.SIGINT),
        (None, signal.SIGHUP, {}, 128 + signal.SIGHUP),
        (None, None, {}, 1),
    ],
)
def test_a_jobs_end_is_an_exit_code(
    status: Terminal | None, sig: int | None, details: dict[str, object], code: int
) -> None:
    assert exit_code(Outcome(status, sig, details)) == code


def test_a_whole_runbook_exits_as_the_remote_mdrun_did() -> None:
    assert exit_code(Outcome("FAILED", None, {"driver_exit_code": 2}), use_driver_code=True) == 2


def test_ray_says_why_a_job_that_never_ran_failed() -> None:
    message = "runtime_env setup failed: x\nTraceback…\n    ERROR: No matching distribution for y"
    details = {"error_type": "RUNTIME_ENV_SETUP_FAILURE", "message": message}
    assert failure_message(Outcome("FAILED", None, details)) == (
        "its runtime environment failed to build: ERROR: No matching distribution for y"
    )
    ran = {
        "message": "Job entrypoint command failed with exit code 1",
        "error_type": "JOB_ENTRYPOINT_COMMAND_ERROR",
    }
    assert failure_message(Outcome("FAILED", None, ran)) is None


def test_exec_words_are_expanded_where_the_plan_knows_them() -> None:
    from mdrun.model import EnvValue, Source
    from mdrun.plan.execwords import exec_arguments

    env = {"JOB_ID": EnvValue("j7", Source("exported", "block 1"))}
    line = 'ray-submit --job-id ${JOB_ID} --x "$UNSET" $ALSO_UNSET \'{"a": 1}\' -- $(date)'
    assert exec_arguments(line, env) == [
        "--job-id", "j7", "--x", "", "$ALSO_UNSET", '{"a": 1}', "--", "$(date)"]  # fmt: skip
