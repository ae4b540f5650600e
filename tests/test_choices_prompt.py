"""Prompts on a real pseudo-terminal: arrow keys and Enter pick, Ctrl-C exits 130, a profile
replays the answers without asking, and off a terminal the questions are named (exit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.ontty import Terminal

DRIVER = """
import json, os, sys
from mdrun.blocks.fences import fences
from mdrun.blocks.tabs import containers
from mdrun.choices.answers import parse_choose
from mdrun.choices.groups import questions
from mdrun.choices import profiles
from mdrun.choices.pending import require_answers
from mdrun.choices.prompt import TerminalPrompter, interactive
from mdrun.choices.session import ask, known_answers
from mdrun.errors import error_handler

found = containers(open(sys.argv[1]).read())
asked = questions(found, [f.start for f in fences(found.text)]).asked
profile, env = sys.argv[2] or None, dict(os.environ)
with error_handler():
    answers = known_answers(asked, [parse_choose(a) for a in sys.argv[3:]], env, profile)
    if interactive():
        answers = ask(asked, answers, TerminalPrompter(), env)
    require_answers(asked, answers)
    if profile:
        profiles.save(profile, answers.values(), env)
    print("ANSWERS " + json.dumps({k: [a.value, a.source, dict(a.fields)] for k, a in answers.items()}))
"""

GUIDE = """# Where Ray runs

=== "Run Locally"
    ```shell
    echo local
    ```

=== "Run on Kubernetes"
    ```shell
    echo k8s
    ```

    === "dev"
        ```shell
        echo dev
        ```
    === "prod"
        ```shell
        echo prod
        ```

## Resources

=== "CPUs [default: 1]"
    ```shell
    export CPUS=${choice}
    ```
=== "GPUs [default: 0]"
    ```shell
    export GPUS=${choice}
    ```
"""


def _driver(args: list[str], env: dict[str, str]) -> Terminal:
    return Terminal([sys.executable, "-c", DRIVER, *args], env)


@pytest.fixture
def guide(tmp_path: Path) -> Path:
    path = tmp_path / "guide.md"
    path.write_text(GUIDE)
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "TERM": "xterm"}


def _answers(screen: str) -> dict[str, list[object]]:
    line = next(x for x in screen.splitlines() if x.startswith("ANSWERS "))
    return json.loads(line[len("ANSWERS ") :])


def test_arrow_keys_pick_answers_and_a_profile_replays_them(
    guide: Path, env: dict[str, str]
) -> None:
    tty = _driver([str(guide), "mine"], env)
    tty.wait_for(b"Run on Kubernetes")
    tty.send("\x1b[B")  # down
    tty.send("\r")
    tty.wait_for(b"prod")  # the nested question is reached
    tty.send("\x1b[B\x1b[B\x1b[A\r")  # down, down (wraps), up: prod
    tty.wait_for(b"CPUs [1]: ")
    tty.send("4\r")
    tty.wait_for(b"GPUs [0]: ")
    tty.send("\r")  # the default
    code, screen = tty.finish()
    assert code == 0, screen
    picked = _answers(screen)
    assert [picked[k][:2] for k in picked] == [
        ["Run on Kubernetes", "prompt"],
        ["prod", "prompt"],
        ["", "prompt"],
    ]
    assert list(picked.values())[2][2] == {"CPUs": "4", "GPUs": "0"}

    again = _driver([str(guide), "mine"], env)
    code, screen = again.finish()
    assert code == 0, screen
    assert "? " not in screen  # nothing asked
    assert [v[:2] for v in _answers(screen).values()] == [
        ["Run on Kubernetes", "profile"],
        ["prod", "profile"],
        ["", "profile"],
    ]


def test_ctrl_c_at_a_prompt_exits_130(guide: Path, env: dict[str, str]) -> None:
    tty = _driver([str(guide), ""], env)
    tty.wait_for(b"Run Locally")
    tty.send("\x03")
    code, screen = tty.finish()
    assert code == 130, screen
    assert "interrupted" in screen
    assert "ANSWERS" not in screen


def _off_terminal(
    guide: Path, env: dict[str, str], *flags: str
) -> subprocess.CompletedProcess[str]:
    """The driver with stdin closed: no terminal to ask on."""
    return subprocess.run(
        [sys.executable, "-c", DRIVER, str(guide), "", *flags],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_off_a_terminal_the_questions_are_named_and_nothing_is_asked(
    guide: Path, env: dict[str, str]
) -> None:
    done = _off_terminal(guide, env)
    assert done.returncode == 2, done.stderr
    assert "2 questions have no answer" in done.stderr
    assert "--choose 'Where Ray runs=Run Locally'" in done.stderr
    assert "--choose CPUs=1 --choose GPUs=0" in done.stderr
    assert "Traceback" not in done.stderr


def test_flags_answer_so_nothing_is_asked_off_a_terminal(guide: Path, env: dict[str, str]) -> None:
    flags = ["Where Ray runs=run locally", "CPUs=2", "GPUs=1"]
    done = _off_terminal(guide, env, *flags)
    assert done.returncode == 0, done.stderr
    assert [v[:2] for v in _answers(done.stdout).values()] == [
        ["Run Locally", "flag"],
        ["", "flag"],
    ]


def test_digits_pick_and_backspace_edits_a_field(guide: Path, env: dict[str, str]) -> None:
    tty = _driver([str(guide), ""], env)
    tty.wait_for(b"Run on Kubernetes")
    tty.send("2\r")
    tty.wait_for(b"prod")
    tty.send("1\r")
    tty.wait_for(b"CPUs [1]: ")
    tty.send("45\x7f6\r")
    tty.wait_for(b"GPUs [0]: ")
    tty.send("\r")
    code, screen = tty.finish()
    assert code == 0, screen
    picked = list(_answers(screen).values())
    assert [p[0] for p in picked[:2]] == ["Run on Kubernetes", "dev"]
    assert picked[2][2] == {"CPUs": "46", "GPUs": "0"}


def test_a_long_list_scrolls_to_the_answer(tmp_path: Path, env: dict[str, str]) -> None:
    guide = tmp_path / "long.md"
    tabs = [f'=== "o{i}"\n    ```shell\n    echo {i}\n    ```\n' for i in range(1, 16)]
    guide.write_text("# Pick\n\n" + "".join(tabs))
    tty = _driver([str(guide), ""], env)
    tty.wait_for(b"o10")
    assert b"o11\x1b" not in tty.screen  # ten at a time
    tty.send("\x1b[A")  # up from the first wraps to the last
    tty.wait_for(b"o15")
    tty.send("\r")
    code, screen = tty.finish()
    assert code == 0, screen
    assert [v[0] for v in _answers(screen).values()] == ["o15"]
