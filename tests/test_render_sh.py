"""The sh render: golden files, and the generated script really run by bash."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest

from mdrun.blocks.extract import load_runbook
from mdrun.model import LoadOptions
from mdrun.plan.environment import initial_environment
from mdrun.plan.planner import plan
from mdrun.render import render_plan
from tests.render_golden import SITUATIONS, assert_golden, seedlike_plan
from tests.render_plans import SECRET, sample_plan

pytestmark = pytest.mark.timeout(60)

DEMO = """\
# Demo

```shell {name=init}
export GREETING=hello
LOCAL=kept
cd sub
```

```shell {name=ticker async=true ready=ready-line}
echo "tick $GREETING"
sleep 31338 &
sleep 0.2 && echo ready-line
exec sleep 31337
```

```shell {name=use}
sleep 31340 &
echo "use $GREETING $LOCAL $(basename "$PWD") token=$DB_PASSWORD"
```

```shell {name=gpu}
if [ "${NUM_GPUS-0}" -gt 0 ]; then echo GPU-RAN; fi
```

```shell {name=cleanup finally=true}
echo "cleanup saw $GREETING"
```

```shell {name=guarded when='[ -n "$GREETING" ]'}
echo "guard let me in"
```

```shell {name=bye}
echo bye
```
"""


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_seedlike_golden(monkeypatch: pytest.MonkeyPatch, situation: str) -> None:
    script = render_plan(seedlike_plan(monkeypatch, SITUATIONS[situation]), "sh")
    assert_golden(f"seedlike-{situation}.sh", script)
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)


def _script(tmp_path: Path, text: str, *assignments: str) -> Path:
    (tmp_path / "sub").mkdir(exist_ok=True)
    runbook = tmp_path / "demo.md"
    runbook.write_text(text)
    env = initial_environment({"PATH": os.environ["PATH"]}, ["NUM_GPUS=0", *assignments], [])
    script = tmp_path / "plan.sh"
    script.write_text(render_plan(plan(load_runbook(str(runbook), LoadOptions()), env), "sh"))
    return script


def _run(script: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "MDRUN_LOG_DIR": str(script.parent / "logs"),
        "MDRUN_GRACE": "2",
        **extra,
    }
    return subprocess.run(
        ["bash", str(script)], check=False, cwd=script.parent, env=env, text=True, capture_output=True,
        timeout=30,
    )  # fmt: skip


def _survivors(marker: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if marker.encode() in args:
            found.append(cmdline.parent.name)
    return found


def test_script_runs_like_mdrun_run(tmp_path: Path) -> None:
    script = _script(tmp_path, DEMO, "DB_PASSWORD=hunter2-xyz")
    assert "hunter2-xyz" not in script.read_text()
    result = _run(script, DB_PASSWORD="from-env")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "[ticker] tick hello" in lines
    # Exports and cd flow from one sync block to the next; plain variables do not (mdrun run).
    assert "[use] use hello  sub token=from-env" in lines
    assert "[guarded] guard let me in" in lines
    assert "GPU-RAN" not in result.stdout  # skipped: commented out
    assert lines.index("[use] use hello  sub token=from-env") > lines.index("[ticker] ready-line")
    assert lines[-2:] == ["[bye] bye", "[cleanup] cleanup saw hello"]
    logs = tmp_path / "logs"
    assert (logs / "use.log").read_text() == "use hello  sub token=from-env\n"
    assert (logs / "ticker.log").read_text() == "tick hello\nready-line\n"
    time.sleep(0.2)
    assert _survivors("31337") == [] and _survivors("31338") == []
    assert _survivors("31340") == []  # left in the background by a sync block


def test_redacted_secret_must_come_from_the_environment(tmp_path: Path) -> None:
    result = _run(_script(tmp_path, DEMO, "DB_PASSWORD=hunter2-xyz"))
    assert result.returncode != 0
    assert "DB_PASSWORD must be set" in result.stderr
    assert "[init]" not in result.stdout


def test_exit_90_stops_successfully_and_failure_stops_with_1(tmp_path: Path) -> None:
    stop = "```shell {name=stop}\necho stopping; exit 90\n```\n\n```shell {name=never}\necho NEVER\n```\n"
    result = _run(_script(tmp_path, stop))
    assert (result.returncode, result.stdout) == (0, "[stop] stopping\n")
    fail = "```shell {name=broken}\nfalse\n```\n\n```shell {name=never}\necho NEVER\n```\n"
    result = _run(_script(tmp_path, fail))
    assert result.returncode == 1 and "NEVER" not in result.stdout
    assert "block 1 (broken) failed with exit code 1" in result.stderr


def _parent(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
    except (OSError, IndexError):
        return ""


def test_interrupted_script_stops_its_jobs(tmp_path: Path) -> None:
    text = "```shell {name=bg async=true}\nexec sleep 31339\n```\n\n```shell {name=wait}\nsleep 30\n```\n"
    script = _script(tmp_path, text)
    # A long grace: the jobs die at TERM, so the script must not sit the grace out.
    env = {"PATH": os.environ["PATH"], "MDRUN_LOG_DIR": str(tmp_path / "logs"), "MDRUN_GRACE": "40"}
    proc = subprocess.Popen(["bash", str(script)], cwd=tmp_path, env=env, text=True)
    deadline = time.monotonic() + 10
    while not _survivors("31339") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _survivors("31339")
    proc.terminate()
    # bash runs the TERM trap once the foreground `sleep 30` (in the block's subshell) is done
    # or killed: kill it.
    for pid in _survivors("30"):
        parent = _parent(pid)
        if str(proc.pid) in (parent, _parent(parent)):
            os.kill(int(pid), 15)
    assert proc.wait(timeout=20) == 143
    time.sleep(0.2)
    assert _survivors("31339") == []


def test_secret_values_redacted_unless_asked() -> None:
    assert SECRET not in render_plan(sample_plan(), "sh")
    assert f"export API_TOKEN={SECRET}" in render_plan(sample_plan(), "sh", show_secrets=True)


CTRL_C = """\
```shell {name=early-cleanup finally=true}
echo "cleanup-ran SEEN=$SEEN"
```

```shell {name=bg async=true}
echo bg-started; exec sleep 31341
```

```shell {name=fg}
export SEEN=fg; echo fg-started; sleep 31342; echo fg-after
```

```shell {name=late-cleanup finally=true}
echo NOT-REACHED
```
"""


def test_ctrl_c_on_a_terminal(tmp_path: Path) -> None:
    """Ctrl-C on a real terminal: the sync block stops, the job's group is stopped, the finally
    block registered before the interruption runs and sees the interrupted block's exports,
    exit 130."""
    script = _script(tmp_path, CTRL_C)
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.environ.update(MDRUN_LOG_DIR=str(tmp_path / "logs"), MDRUN_GRACE="40")
        os.execvp("bash", ["bash", str(script)])
    output = _read_until(fd, b"fg-started", 10)
    # Ctrl-C between bash's fork and sleep's exec is lost (bash's handler still catches it in
    # the child) and the run then waits on the sleep: press it once sleep runs.
    deadline = time.monotonic() + 10
    while not _survivors("31342") and time.monotonic() < deadline:
        time.sleep(0.02)
    os.write(fd, b"\x03")
    output += _read_until(fd, b"cleanup-ran", 10)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 130
    assert b"[early-cleanup] cleanup-ran SEEN=fg" in output
    assert b"fg-after" not in output and b"NOT-REACHED" not in output
    assert _survivors("31341") == [] and _survivors("31342") == []


def _read_until(fd: int, marker: bytes, seconds: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


def test_a_blocks_own_exit_trap_does_not_drop_its_exports_or_cd(tmp_path: Path) -> None:
    text = (
        "```bash {name=set}\nexport X=1\ncd sub\ntrap 'echo bye' EXIT\n```\n\n"
        '```bash {name=use}\necho "${X-unset} ${PWD##*/}"\n```\n'
    )
    result = _run(_script(tmp_path, text))
    assert result.returncode == 0, result.stderr
    assert "[set] bye" in result.stdout.splitlines()
    assert "[use] 1 sub" in result.stdout.splitlines()


def test_finally_blocks_run_last_registered_first(tmp_path: Path) -> None:
    text = (
        "```bash {name=c1 finally=true}\necho one\n```\n\n"
        "```bash {name=c2 finally=true}\necho two\n```\n\n"
        "```bash {name=main}\necho main\n```\n"
    )
    result = _run(_script(tmp_path, text))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[main] main", "[c2] two", "[c1] one"]
