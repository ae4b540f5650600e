"""`mdrun run` asks each question just before the first block it governs, on a real
pseudo-terminal: a dynamic question's command sees what the earlier blocks exported, Ctrl-C at a
later prompt stops the run as during a block, a multi-select is a checklist, and a profile
replays it all without asking. Off a terminal, a question that an earlier block answers (its
ENVKEY) waits for that block."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.ontty import Terminal

pytestmark = pytest.mark.timeout(120)

TWO = """# Two questions

## Where

=== "Here"
    ```shell {name=setup}
    export FRUITS="apple banana cherry"
    echo "setup ran with $FRUITS"
    ```

=== "There"
    ```shell {name=elsewhere}
    echo there
    ```

## Which fruit

=== "expand(for f in $FRUITS; do echo fruit-$f; done, Fruits)"
    ```shell {name=eat}
    echo "eating ${choice}"
    ```
"""

MULTI = """# Pick tools

=== "jq [ ]"
    ```shell {name=tool-jq}
    echo "tool ${choice}"
    ```

=== "yq [ ]"
    ```shell {name=tool-yq}
    echo "tool ${choice}"
    ```

=== "fzf [ ]"
    ```shell {name=tool-fzf}
    echo "tool ${choice}"
    ```

```shell {name=after}
echo "after the tools"
```
"""

LATER = """# A job an earlier block names

```shell {name=submit}
export JOB_NAME="${NAME_GIVEN-job-7}"
echo "submitted $JOB_NAME"
```

## Follow it

=== "expand(echo never-run, Jobs, JOB_NAME)"
    ```shell {name=follow}
    echo "following ${choice}"
    ```
"""


NESTED = """# Where Ray runs

=== "Run Locally"
    ```shell {name=local}
    echo local
    ```

=== "Run on Kubernetes"
    ```shell {name=k8s}
    echo "k8s block ran"
    ```

    === "dev"
        ```shell {name=dev}
        echo "on dev"
        ```
    === "prod"
        ```shell {name=prod}
        echo "on prod"
        ```
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    config = str(tmp_path / "config")
    return {**os.environ, "NO_COLOR": "1", "XDG_CONFIG_HOME": config, "TERM": "xterm", **extra}


def _runbook(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "guide.md"
    path.write_text(text)
    return path


def _on_tty(tmp_path: Path, runbook: Path, logs: str, *flags: str) -> Terminal:
    argv = [sys.executable, "-m", "mdrun", "run", str(runbook), "--log-dir", logs, *flags]
    return Terminal(argv, _env(tmp_path), cwd=tmp_path)


def _manifest(log_dir: Path) -> dict[str, object]:
    return json.loads((log_dir / "run.json").read_text())  # type: ignore[no-any-return]


def _statuses(log_dir: Path) -> dict[str, str]:
    blocks = _manifest(log_dir)["blocks"]
    assert isinstance(blocks, list)
    return {b["name"]: b["status"] for b in blocks}


def test_the_second_question_is_asked_in_the_state_the_first_block_left(tmp_path: Path) -> None:
    guide = _runbook(tmp_path, TWO)
    tty = _on_tty(tmp_path, guide, "logs")
    tty.wait_for(b"There")
    tty.send("\r")  # Here
    tty.wait_for(b"fruit-cherry")  # offered from $FRUITS, which only the first block exports
    before = tty.screen.split(b"? Which fruit")[0]
    assert b"setup ran with apple banana cherry" in before  # it ran before the prompt
    tty.send("\x1b[B\r")  # fruit-banana
    code, screen = tty.finish()
    assert code == 0, screen
    assert "eating fruit-banana" in screen
    answers = _manifest(tmp_path / "logs")["answers"]
    assert isinstance(answers, dict)
    assert answers["guide_1"]["value"] == "fruit-banana"
    assert answers["guide_1"]["source"] == "prompt"


def test_ctrl_c_at_the_second_prompt_stops_the_run_and_keeps_the_first_blocks_log(
    tmp_path: Path,
) -> None:
    guide = _runbook(tmp_path, TWO)
    tty = _on_tty(tmp_path, guide, "logs")
    tty.wait_for(b"There")
    tty.send("\r")
    tty.wait_for(b"fruit-cherry")
    tty.send("\x03")
    code, screen = tty.finish()
    assert code == 130, screen
    logs = tmp_path / "logs"
    assert (logs / "setup.log").read_text() == "setup ran with apple banana cherry\n"
    assert _statuses(logs) == {"setup": "ok", "eat": "not-run"}
    answers = _manifest(logs)["answers"]
    assert isinstance(answers, dict)
    assert {k: v["value"] for k, v in answers.items()} == {"guide": "Here"}


def test_ctrl_c_at_the_first_prompt_starts_nothing(tmp_path: Path) -> None:
    guide = _runbook(tmp_path, TWO)
    tty = _on_tty(tmp_path, guide, "logs")
    tty.wait_for(b"There")
    tty.send("\x03")
    code, screen = tty.finish()
    assert code == 130, screen
    assert not (tmp_path / "logs").exists()
    assert "setup ran" not in screen


def test_a_nested_question_is_asked_after_its_parents_blocks_ran(tmp_path: Path) -> None:
    guide = _runbook(tmp_path, NESTED)
    tty = _on_tty(tmp_path, guide, "logs")
    tty.wait_for(b"Run on Kubernetes")
    tty.send("\x1b[B\r")
    tty.wait_for(b"prod")
    assert b"k8s block ran" in tty.screen.split(b"dev")[0]  # before the nested prompt
    tty.send("\x1b[B\r")
    code, screen = tty.finish()
    assert code == 0, screen
    assert _statuses(tmp_path / "logs") == {"k8s": "ok", "prod": "ok"}


def test_a_multi_select_runs_every_tab_ticked_in_document_order(tmp_path: Path) -> None:
    guide = _runbook(tmp_path, MULTI)
    tty = _on_tty(tmp_path, guide, "logs")
    tty.wait_for(b"fzf")
    tty.send("\r")  # nothing ticked yet: Enter is refused
    tty.send("\x1b[B\x1b[B ")  # down to fzf, tick it
    tty.wait_for(b"[x] fzf")
    tty.send("\x1b[A\x1b[A \r")  # up to jq, tick it, accept
    code, screen = tty.finish()
    assert code == 0, screen
    assert "tool yq" not in screen
    assert screen.index("tool jq") < screen.index("tool fzf") < screen.index("after the tools")
    logs = tmp_path / "logs"
    assert _statuses(logs) == {"tool-jq": "ok", "tool-fzf": "ok", "after": "ok"}
    answers = _manifest(logs)["answers"]
    assert isinstance(answers, dict)
    assert json.loads(answers["guide"]["value"]) == ["jq", "fzf"]


def test_a_saved_profile_replays_every_answer_without_asking(tmp_path: Path) -> None:
    for n, (text, keys) in enumerate(((TWO, ["\r", "\x1b[B\x1b[B\r"]), (MULTI, [" \x1b[B \r"]))):
        guide = _runbook(tmp_path, text)
        first, again = f"first-{n}", f"again-{n}"
        tty = _on_tty(tmp_path, guide, first, "--profile", "mine")
        for key in keys:
            tty.wait_for(b"? ", timeout=20)
            tty.screen = tty.screen.replace(b"? ", b"")  # wait for the next prompt after this
            tty.send(key)
        code, screen = tty.finish()
        assert code == 0, screen
        code, screen = _on_tty(tmp_path, guide, again, "--profile", "mine").finish()
        assert code == 0, screen
        assert "? " not in screen  # nothing asked
        asked, replayed = _statuses(tmp_path / first), _statuses(tmp_path / again)
        assert asked == replayed and all(s == "ok" for s in replayed.values())
        answers = _manifest(tmp_path / again)["answers"]
        assert isinstance(answers, dict)
        assert {v["source"] for v in answers.values()} == {"profile"}


def test_off_a_terminal_a_question_an_earlier_block_answers_waits_for_it(tmp_path: Path) -> None:
    guide = _runbook(tmp_path, LATER)
    done = _off_terminal(tmp_path, guide, "logs")
    assert done.returncode == 0, done.stderr
    assert "following job-7" in done.stdout
    answers = _manifest(tmp_path / "logs")["answers"]
    assert isinstance(answers, dict)
    assert answers["guide"]["source"] == "environment"


def test_off_a_terminal_a_question_still_unanswered_when_reached_stops_the_run(
    tmp_path: Path,
) -> None:
    guide = _runbook(tmp_path, LATER)
    done = _off_terminal(tmp_path, guide, "logs", NAME_GIVEN="")
    assert done.returncode == 2, done.stderr
    assert "1 question has no answer" in done.stderr and "or set JOB_NAME" in done.stderr
    assert _statuses(tmp_path / "logs") == {"submit": "ok", "follow": "not-run"}


def test_off_a_terminal_other_questions_still_stop_before_anything_runs(tmp_path: Path) -> None:
    guide = _runbook(tmp_path, TWO)
    done = _off_terminal(tmp_path, guide, "logs")
    assert done.returncode == 2, done.stderr
    assert "2 questions have no answer" in done.stderr
    assert not (tmp_path / "logs").exists()


def _off_terminal(
    tmp_path: Path, runbook: Path, logs: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mdrun", "run", str(runbook), "--log-dir", logs],
        cwd=tmp_path,
        env=_env(tmp_path, **extra),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
