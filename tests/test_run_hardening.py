"""`mdrun run` as a new user meets it: real mdrun, real bash, real files (issue 11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_mdrun, write_tree

pytestmark = pytest.mark.timeout(60)


def mdrun(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`mdrun ARGS` in `cwd`, NO_COLOR and `env` on top of this environment, no terminal input."""
    environ = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return run_mdrun(*args, cwd=cwd, env=environ, timeout=50, stdin=subprocess.DEVNULL)


def write(root: Path, text: str) -> Path:
    """The runbook `rb.md` in `root`."""
    return write_tree(root, {"rb.md": text})


def test_a_second_run_into_the_same_log_directory_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "```bash\necho first\n```\n")
    assert mdrun(tmp_path, "rb.md", "--log-dir", "logs").returncode == 0
    before = (tmp_path / "logs" / "run.json").read_bytes()
    again = mdrun(tmp_path, "rb.md", env={"MDRUN_LOG_DIR": "logs"})
    assert again.returncode == 2
    assert "log directory logs is not empty" in again.stderr and "Traceback" not in again.stderr
    assert (tmp_path / "logs" / "run.json").read_bytes() == before


def test_a_run_going_on_keeps_its_log_directory(tmp_path: Path) -> None:
    write(tmp_path, "```bash\ntouch started; sleep 3\n```\n")
    argv = [sys.executable, "-m", "mdrun", "rb.md", "--log-dir", "logs"]
    first = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL)
    try:
        while not (tmp_path / "started").exists():
            time.sleep(0.05)
        second = mdrun(tmp_path, "rb.md", "--log-dir", "logs")
        assert second.returncode == 2 and "is not empty" in second.stderr
    finally:
        assert first.wait(timeout=30) == 0
    assert json.loads((tmp_path / "logs" / "run.json").read_text())["blocks"][0]["status"] == "ok"


def test_an_empty_existing_log_directory_is_used(tmp_path: Path) -> None:
    write(tmp_path, "```bash\necho hi\n```\n")
    (tmp_path / "logs").mkdir()
    assert mdrun(tmp_path, "rb.md", "--log-dir", "logs").returncode == 0


def test_an_error_is_written_once_when_stdout_and_stderr_are_one_file(tmp_path: Path) -> None:
    write(tmp_path, "```bash\nexit 3\n```\n")
    with open(tmp_path / "out.txt", "wb") as out:
        code = subprocess.run(
            [sys.executable, "-m", "mdrun", "rb.md", "--log-dir", "logs"], cwd=tmp_path,
            stdout=out, stderr=subprocess.STDOUT, timeout=50, check=False,
            env={**os.environ, "NO_COLOR": "1"},
        ).returncode  # fmt: skip
    assert code == 1
    assert (tmp_path / "out.txt").read_text().count("failed with exit code 3") == 1


def test_an_env_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    write(tmp_path, '```bash\necho "X=$X"\n```\n')
    (tmp_path / "vars.env").write_bytes(b"\xef\xbb\xbfX=1\n")
    p = mdrun(tmp_path, "rb.md", "--env-file", "vars.env", "--log-dir", "logs")
    assert p.returncode == 0, p.stderr
    assert "[rb] X=1" in p.stdout or "] X=1" in p.stdout


def test_grace_help_names_its_default(tmp_path: Path) -> None:
    assert "(default: 5)" in " ".join(mdrun(tmp_path, "run", "--help").stdout.split())


def test_a_finally_block_runs_although_the_run_deleted_its_directory(tmp_path: Path) -> None:
    write(
        tmp_path,
        '```bash {name=tidy finally=true}\necho "tidy in $PWD"\n```\n\n'
        "```bash {name=work}\nmkdir w && cd w && rmdir ../w\n```\n",
    )
    p = mdrun(tmp_path, "rb.md", "--log-dir", "logs")
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"[tidy] tidy in {tmp_path}" in p.stdout
    assert "its directory" in p.stdout and "is gone; running it in" in p.stdout


def _wait_for(path: Path, text: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {path}")


CLEANUPS = (
    "```bash {name=first finally=true}\necho first >> order\n```\n\n"
    "```bash {name=second finally=true}\n"
    "echo second >> order; echo started > cleanup; sleep 1.5; echo finished >> cleanup\n```\n\n"
    "```bash {name=main}\necho up > main; sleep 30\n```\n"
)


@pytest.mark.parametrize("interrupts", [1, 2])
def test_ctrl_c_during_cleanup(tmp_path: Path, interrupts: int) -> None:
    """One Ctrl-C lets the cleanup finish; two terminate it; cleanups go last-registered first."""
    import signal

    write(tmp_path, CLEANUPS)
    argv = [sys.executable, "-m", "mdrun", "rb.md", "--log-dir", "logs", "--grace", "1"]
    proc = subprocess.Popen(
        argv, cwd=tmp_path, stdout=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"}
    )
    _wait_for(tmp_path / "main", "up")
    proc.send_signal(signal.SIGINT)
    _wait_for(tmp_path / "cleanup", "started")
    for _ in range(interrupts):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "again to terminate it: SIGTERM, then SIGKILL after 1s" in out
    finished = "finished" in (tmp_path / "cleanup").read_text()
    assert finished == (interrupts == 1), out
    assert (tmp_path / "order").read_text() == "second\nfirst\n"


@pytest.mark.parametrize("command", ["plan", "list", "run"])
def test_an_invalid_ready_regex_is_an_input_error_at_the_fence(
    tmp_path: Path, command: str
) -> None:
    write(tmp_path, "# T\n\n```bash {name=srv async=true ready='listening ('}\nsleep 1\n```\n")
    p = mdrun(tmp_path, command, "rb.md")
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr.startswith("rb.md:3: bad value 'listening (' for block attribute 'ready'")
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("[ ", "'[' without its closing ']'"),
        ('[ -n "$X" ] && [ -z "$Y"', "'[' without its closing ']'"),
        ('tsest -n "$X"', "'tsest' is not a bash builtin, an exported function, or a command"),
        ('[ -n "$X" ] &&', "not a shell condition"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "run"])
def test_a_broken_when_is_an_input_error_at_plan_time(
    tmp_path: Path, command: str, when: str, message: str
) -> None:
    write(tmp_path, f"# T\n\n```bash {{name=b when='{when}'}}\ntouch ran\n```\n")
    p = mdrun(tmp_path, command, "rb.md", *(["--log-dir", "logs"] if command == "run" else []))
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr.startswith(f"rb.md:3: when='{when}': {message}"), p.stderr
    assert not (tmp_path / "ran").exists() and not (tmp_path / "logs").exists()


@pytest.mark.parametrize(
    "when",
    [
        '[ -n "$X" ] 2>/dev/null',
        "command -v nvidia-smi >/dev/null",
        "[[ -n $X && -z $Y ]]",
        "X=1 true",
        "test -f /x || [ -d /y ]",
        '"$CHECK" --quick',
    ],
)
def test_working_when_conditions_still_plan(tmp_path: Path, when: str) -> None:
    write(tmp_path, f"# T\n\n```bash {{name=b when='{when}'}}\necho hi\n```\n")
    p = mdrun(tmp_path, "plan", "rb.md")
    assert p.returncode == 0, p.stderr


def test_plan_json_lists_inherited_variables_only_when_read_unless_show_env(
    tmp_path: Path,
) -> None:
    write(tmp_path, '```bash\necho "$DATABASE_URL"\n```\n')
    env = {"DATABASE_URL": "postgres://u:hunter2@h/db", "MDRUN_TEST_OTHER": "x"}
    p = mdrun(tmp_path, "plan", "--format", "json", "rb.md", env=env)
    listed = json.loads(p.stdout)["environment"]
    assert listed["DATABASE_URL"]["value"] == "postgres://u:***@h/db"
    assert "MDRUN_TEST_OTHER" not in listed and "hunter2" not in p.stdout
    every = json.loads(
        mdrun(tmp_path, "plan", "--format", "json", "--show-env", "rb.md", env=env).stdout
    )
    assert every["environment"]["MDRUN_TEST_OTHER"]["value"] == "x"


def test_bash_errors_name_the_runbooks_file_and_line_and_logs_stay_raw(tmp_path: Path) -> None:
    (tmp_path / "part.md").write_text("```bash {name=inc}\necho in\nnosuch-included\n```\n")
    write(
        tmp_path,
        '# T\n\n```bash {name=b}\necho hi\nnosuch-command-x\n```\n\n--8<-- "part.md"\n',
    )
    p = mdrun(tmp_path, "rb.md", "--log-dir", "logs", "--keep-going")
    assert "[b]! rb.md:5: nosuch-command-x: command not found" in p.stdout, p.stdout
    assert "[inc]! part.md:3 (via rb.md:8): nosuch-included: command not found" in p.stdout
    assert ".body.sh" not in p.stdout
    assert b".body.sh: line 2: nosuch-command-x" in (tmp_path / "logs" / "b.log").read_bytes()


def test_off_a_terminal_pty_blocks_get_a_terminal_stdin_at_end_of_input(tmp_path: Path) -> None:
    body = 'tty >/dev/null && echo "stdin is a tty"; stty size; read -r x || echo "end of input"\n'
    write(tmp_path, f"```bash {{name=t pty=true}}\n{body}```\n")
    p = mdrun(tmp_path, "rb.md", "--log-dir", "logs")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "[t] stdin is a tty" in p.stdout and "[t] 24 80" in p.stdout
    assert "[t] end of input" in p.stdout


def test_off_a_terminal_a_carriage_return_starts_a_new_prefixed_line(tmp_path: Path) -> None:
    write(tmp_path, "```bash {name=p}\nprintf '1/2 stopped.\\r2/2 stopped.\\r\\n'\n```\n")
    p = mdrun(tmp_path, "rb.md", "--log-dir", "logs")
    assert "[p] 1/2 stopped.\n[p] 2/2 stopped.\n" in p.stdout
    assert (tmp_path / "logs" / "p.log").read_bytes() == b"1/2 stopped.\r2/2 stopped.\r\n"


def test_a_runbook_without_shell_blocks_is_not_a_silent_success(tmp_path: Path) -> None:
    write(tmp_path, "# Deploy\n\n```Bash\necho never\n```\n\n```console\n$ ls\n```\n")
    p = mdrun(tmp_path, "rb.md", "--log-dir", "logs")
    assert p.returncode == 2
    assert p.stderr == (
        "mdrun: rb.md: no shell blocks to run (fences are ```shell, ```sh or ```bash;"
        " not run: ```Bash at rb.md:3)\n"
    )


@pytest.mark.parametrize("command", [["plan"], ["list"], ["run", "--log-dir", "logs"]])
def test_dash_reads_the_runbook_from_standard_input(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "part.md").write_text("```bash {name=inc}\necho included\n```\n")
    text = '# T\n\n```bash {name=one}\necho from-stdin\n```\n\n--8<-- "part.md"\n'
    p = subprocess.run(
        [sys.executable, "-m", "mdrun", command[0], "-", *command[1:]], cwd=tmp_path,
        input=text, capture_output=True, text=True, timeout=50, check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    if command[0] == "run":
        assert "[one] from-stdin" in p.stdout and "[inc] included" in p.stdout
    else:
        assert "<stdin>:3" in p.stdout and "part.md:1" in p.stdout
