"""Choices through the command line: plan shows the questions, run asks them (or names them and
exits 2 before any block starts), --choose and --profile answer them, run.json records them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.ontty import Terminal

Mdrun = Callable[..., subprocess.CompletedProcess[str]]

GUIDE = """# Pick a colour

=== "Red"
    ```shell
    echo "red ${choice}" >> picked.txt
    ```

=== "Blue"
    ```shell
    echo "blue ${choice}" >> picked.txt
    ```

## Afterwards

```shell
echo after >> picked.txt
```
"""

DYNAMIC = """# Pick a job

=== "expand(touch CANARY; printf 'job-a\\njob-b\\n', Jobs, JOB_ID)"
    ```shell
    echo "job ${choice}" >> picked.txt
    ```
"""


@pytest.fixture
def guide(tmp_path: Path) -> Path:
    (tmp_path / "guide.md").write_text(GUIDE)
    return tmp_path / "guide.md"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    config = str(tmp_path / "config")
    return {**os.environ, "NO_COLOR": "1", "XDG_CONFIG_HOME": config, "TERM": "xterm", **extra}


def _manifest(log_dir: Path) -> dict[str, object]:
    return json.loads((log_dir / "run.json").read_text())  # type: ignore[no-any-return]


def test_plan_without_answers_shows_every_branch_under_its_question(
    guide: Path, mdrun: Mdrun
) -> None:
    done = mdrun("plan", guide.name)
    assert done.returncode == 0, done.stderr
    assert '"Pick a colour" (guide): no answer; offers Red | Blue' in done.stdout
    assert 'under "Pick a colour" = Red' in done.stdout
    assert 'under "Pick a colour" = Blue' in done.stdout
    assert done.stdout.count('depends on "Pick a colour"') == 2
    assert "2 unknown" in done.stdout


def test_plan_with_an_answer_shows_only_the_chosen_branch(guide: Path, mdrun: Mdrun) -> None:
    done = mdrun("plan", guide.name, "--choose", "Pick a colour=blue")
    assert done.returncode == 0, done.stderr
    assert '"Pick a colour" = Blue' in done.stdout
    assert 'echo "blue' in done.stdout
    assert 'echo "red' not in done.stdout
    assert "1 blocks on branches not chosen are not shown" in done.stdout
    data = json.loads(
        mdrun("plan", guide.name, "--assert", "guide=Blue", "--format", "json").stdout
    )
    (question,) = data["questions"]
    assert question["answer"]["source"] == "flag"
    assert question["answer"]["detail"] == "--assert 'guide=Blue'"
    assert [b["chosen"] for b in data["blocks"]] == [False, True, True]
    assert data["blocks"][0]["choices"] == [{"question": "guide", "answer": "Red"}]


def test_markdown_shows_the_questions_and_leaves_out_the_other_branch(
    guide: Path, mdrun: Mdrun
) -> None:
    done = mdrun("plan", guide.name, "--choose", "guide=Red", "--format", "markdown")
    assert "| Pick a colour (`guide`) | `Red` | flag" in done.stdout
    assert 'echo "red' in done.stdout
    assert 'echo "blue' not in done.stdout


def test_a_choose_naming_no_question_is_exit_2(guide: Path, mdrun: Mdrun) -> None:
    done = mdrun("plan", guide.name, "--choose", "colour=Red")
    assert done.returncode == 2
    assert "names no question" in done.stderr and '"Pick a colour" (guide)' in done.stderr


def test_off_a_terminal_run_names_the_questions_and_starts_nothing(
    guide: Path, mdrun: Mdrun, tmp_path: Path
) -> None:
    done = mdrun("run", guide.name, "--log-dir", "logs", stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert '"Pick a colour" (guide): one of Red, Blue' in done.stderr
    assert "--choose guide=Red" in done.stderr
    assert not (tmp_path / "picked.txt").exists()
    assert not (tmp_path / "logs").exists()


def test_run_runs_the_chosen_tab_with_its_choice_and_records_the_answer(
    guide: Path, mdrun: Mdrun, tmp_path: Path
) -> None:
    done = mdrun("run", guide.name, "--choose", "guide=Blue", "--log-dir", "logs")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "picked.txt").read_text() == "blue Blue\nafter\n"
    answers = _manifest(tmp_path / "logs")["answers"]
    assert answers == {
        "guide": {
            "value": "Blue",
            "fields": None,
            "source": "flag",
            "detail": "--choose 'guide=Blue'",
        }
    }


def _mdrun_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "mdrun", *args]


def test_arrow_keys_pick_through_mdrun_run_and_the_profile_replays_it(
    guide: Path, tmp_path: Path
) -> None:
    env = _env(tmp_path)
    tty = Terminal(
        _mdrun_argv("run", guide.name, "--profile", "p", "--log-dir", "one"), env, tmp_path
    )
    tty.wait_for(b"Blue")
    assert not (tmp_path / "picked.txt").exists()  # asked before any block starts
    tty.send("\x1b[B\r")  # down, Enter
    code, screen = tty.finish()
    assert code == 0, screen
    assert (tmp_path / "picked.txt").read_text() == "blue Blue\nafter\n"
    assert _manifest(tmp_path / "one")["answers"]["guide"]["source"] == "prompt"  # type: ignore[index]

    again = subprocess.run(
        _mdrun_argv("run", guide.name, "--profile", "p", "--log-dir", "two"),
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "picked.txt").read_text() == "blue Blue\nafter\n" * 2
    assert _manifest(tmp_path / "two")["answers"]["guide"]["source"] == "profile"  # type: ignore[index]
    shown = subprocess.run(
        _mdrun_argv("profile", "show", "p"), env=env, capture_output=True, text=True, check=False
    )
    assert shown.stdout == "guide = Blue\n"


def test_ctrl_c_at_the_prompt_exits_130_with_nothing_started(guide: Path, tmp_path: Path) -> None:
    tty = Terminal(_mdrun_argv("run", guide.name, "--log-dir", "logs"), _env(tmp_path), tmp_path)
    tty.wait_for(b"Blue")
    tty.send("\x03")
    code, screen = tty.finish()
    assert code == 130, screen
    assert not (tmp_path / "picked.txt").exists()
    assert not (tmp_path / "logs").exists()


def test_the_sh_render_asks_through_a_variable(guide: Path, mdrun: Mdrun, tmp_path: Path) -> None:
    script = mdrun("plan", guide.name, "--format", "sh").stdout
    (tmp_path / "plan.sh").write_text(script)
    unset = subprocess.run(
        ["bash", "plan.sh"], cwd=tmp_path, env=_env(tmp_path, MDRUN_LOG_DIR="l1"),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert unset.returncode == 2
    assert "set MDRUN_CHOICE_GUIDE to Red | Blue" in unset.stderr
    assert not (tmp_path / "picked.txt").exists()
    chosen = subprocess.run(
        ["bash", "plan.sh"], cwd=tmp_path,
        env=_env(tmp_path, MDRUN_LOG_DIR="l2", MDRUN_CHOICE_GUIDE="Red"),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert chosen.returncode == 0, chosen.stderr
    assert (tmp_path / "picked.txt").read_text() == "red Red\nafter\n"


def test_a_dynamic_question_runs_its_command_only_in_run(mdrun: Mdrun, tmp_path: Path) -> None:
    (tmp_path / "jobs.md").write_text(DYNAMIC)
    for args in (["plan"], ["plan", "--format", "json"], ["plan", "--format", "sh"], ["list"]):
        done = mdrun(*args, "jobs.md")
        assert done.returncode == 0, (args, done.stderr)
        assert not (tmp_path / "CANARY").exists(), args
    shown = mdrun("plan", "jobs.md").stdout
    assert "Jobs: the lines `touch CANARY; printf 'job-a\\njob-b\\n'` prints (or $JOB_ID" in shown
    mdrun("check", "jobs.md")
    assert not (tmp_path / "CANARY").exists()
    # Off a terminal nobody can pick a line, so the command need not run either.
    done = mdrun("run", "jobs.md", "--log-dir", "logs", stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "Jobs: the lines" in done.stderr and "or set JOB_ID" in done.stderr
    assert not (tmp_path / "CANARY").exists()
    # The control: on a terminal run offers the command's lines.
    tty = Terminal(_mdrun_argv("run", "jobs.md", "--log-dir", "l2"), _env(tmp_path), tmp_path)
    tty.wait_for(b"job-b")
    tty.send("\x1b[B\r")
    code, screen = tty.finish()
    assert code == 0, screen
    assert (tmp_path / "CANARY").exists()
    assert (tmp_path / "picked.txt").read_text() == "job job-b\n"


def test_a_dynamic_question_is_answered_by_its_environment_variable(
    mdrun: Mdrun, tmp_path: Path
) -> None:
    (tmp_path / "jobs.md").write_text(DYNAMIC)
    done = mdrun("run", "jobs.md", "--log-dir", "logs", env=_env(tmp_path, JOB_ID="job-z"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "picked.txt").read_text() == "job job-z\n"
    assert not (tmp_path / "CANARY").exists()  # the variable answers: nothing expands
    answer = _manifest(tmp_path / "logs")["answers"]["jobs"]  # type: ignore[index]
    assert answer["source"] == "environment"


def test_a_choose_for_a_runbook_without_questions_is_exit_2(mdrun: Mdrun, tmp_path: Path) -> None:
    (tmp_path / "plain.md").write_text("# Plain\n\n```shell\necho hi > ran.txt\n```\n")
    done = mdrun("run", "plain.md", "--choose", "x=y", "--log-dir", "logs")
    assert done.returncode == 2
    assert "its questions: none" in done.stderr
    assert not (tmp_path / "ran.txt").exists()


FORM = """# Credentials

=== "API_TOKEN [default: none]"
    ```shell
    echo "token ${choice}" >> picked.txt
    ```
=== "USER [default: me]"
    ```shell
    echo "user ${choice}" >> picked.txt
    ```
"""


def test_a_secret_form_field_is_redacted_in_plans_and_run_json(
    mdrun: Mdrun, tmp_path: Path
) -> None:
    (tmp_path / "form.md").write_text(FORM)
    flags = ["--choose", "API_TOKEN=s3cr3t-value", "--choose", "USER=bob"]
    for fmt in ("text", "markdown", "json", "sh"):
        done = mdrun("plan", "form.md", *flags, "--format", fmt)
        assert done.returncode == 0, done.stderr
        assert "s3cr3t-value" not in done.stdout, fmt
        assert "bob" in done.stdout, fmt
    shown = mdrun("plan", "form.md", *flags, "--format", "json", "--show-secrets").stdout
    assert "s3cr3t-value" in shown  # the control
    done = mdrun("run", "form.md", *flags, "--log-dir", "logs")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "picked.txt").read_text() == "token s3cr3t-value\nuser bob\n"
    assert "s3cr3t-value" not in (tmp_path / "logs" / "run.json").read_text()
    answer = _manifest(tmp_path / "logs")["answers"]["form"]  # type: ignore[index]
    assert answer["fields"] == {"API_TOKEN": "***", "USER": "bob"}


FLOW = """# Speed

=== "Fast"
    ```shell
    export MODE=fast
    ```
=== "Slow"
    ```shell
    export MODE=slow
    ```

```shell {name=only-fast when='[ "$MODE" = fast ]'}
echo fast
```
"""


@pytest.mark.parametrize(
    ("flags", "verdicts"),
    [
        ([], ["unknown", "unknown", "unknown"]),  # either tab may run: MODE is only maybe set
        (["--choose", "Speed=Fast"], ["run", "skip", "run"]),
        (["--choose", "Speed=Slow"], ["skip", "run", "skip"]),
    ],
)
def test_what_a_chosen_tab_sets_flows_on_and_an_open_one_only_maybe(
    mdrun: Mdrun, tmp_path: Path, flags: list[str], verdicts: list[str]
) -> None:
    (tmp_path / "flow.md").write_text(FLOW)
    done = mdrun("plan", "flow.md", *flags, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert [b["verdict"] for b in json.loads(done.stdout)["blocks"]] == verdicts


COLLAPSED = """# Admonitions

??? note "If you like"
    ```shell
    echo optional >> ran.txt; exit 3
    ```

```shell
echo after >> ran.txt
```

???+ warning "Shown"
    ```shell
    echo shown >> ran.txt; exit 4
    ```

```shell
echo never >> ran.txt
```
"""


def test_a_block_in_a_closed_admonition_is_optional(mdrun: Mdrun, tmp_path: Path) -> None:
    (tmp_path / "adm.md").write_text(COLLAPSED)
    listed = json.loads(mdrun("list", "adm.md", "--format", "json").stdout)
    assert [b["optional"] for b in listed["blocks"]] == [True, False, False, False]
    done = mdrun("run", "adm.md", "--log-dir", "logs")
    assert done.returncode == 1  # the open admonition's block fails the run
    assert (tmp_path / "ran.txt").read_text() == "optional\nafter\nshown\n"
