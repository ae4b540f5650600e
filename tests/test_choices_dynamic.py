"""Dynamic questions: the command runs only when a runner is given; `${choice}` in the blocks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mdrun.blocks.fences import fences
from mdrun.blocks.tabs import containers
from mdrun.choices.answers import resolve
from mdrun.choices.dynamic import (
    ExpansionError,
    answers_of,
    describe,
    strip_ansi,
    substitute,
    tab_for,
)
from mdrun.choices.groups import Questions, questions
from mdrun.choices.lazy import RunSettling
from mdrun.choices.pending import UnansweredError, require_answers
from mdrun.choices.session import ask, known_answers
from mdrun.run.expansion import bash_runner


def _guide(canary: Path, extra: str = "") -> Questions:
    command = f"touch {canary}; printf 'raysubmit_2 RUNNING\\\\n\\\\nraysubmit_1 DONE\\\\nraysubmit_2 RUNNING\\\\n'"
    text = f'# Choose a Ray Run\n\n=== "expand({command}, Ray Runs, JOB_ID)"\n'
    text += '    ```shell\n    export JOB_ID=$(echo "$choice" | cut -d" " -f1)\n    ```\n\n'
    text += '=== "Start a new one"\n    ```shell\n    echo new\n    ```\n' + extra
    found = containers(text)
    return questions(found, [f.start for f in fences(found.text)])


def test_planning_a_dynamic_question_runs_nothing_and_shows_the_command(tmp_path: Path) -> None:
    canary = tmp_path / "ran"
    found = _guide(canary)
    (group,) = found.groups
    assert group.kind == "dynamic"
    assert resolve(found.groups, env={}) == {}
    assert describe(group).startswith(f"Ray Runs: the lines `touch {canary};")
    with pytest.raises(UnansweredError, match="Choose a Ray Run"):
        require_answers(found.asked, known_answers(found.asked, env={}))
    assert not canary.exists()


def test_run_offers_the_commands_lines_once_each_then_the_static_tabs(tmp_path: Path) -> None:
    canary = tmp_path / "ran"
    (group,) = _guide(canary).groups
    offered = answers_of(group, dict(os.environ), bash_runner())
    assert offered == ("raysubmit_2 RUNNING", "raysubmit_1 DONE", "Start a new one")
    assert canary.exists()
    assert tab_for(group, "raysubmit_1 DONE") == group.options[0]
    assert tab_for(group, "Start a new one") == "Start a new one"


def test_the_environment_variable_answers_without_running(tmp_path: Path) -> None:
    canary = tmp_path / "ran"
    (group,) = _guide(canary).groups
    assert answers_of(group, {"JOB_ID": "raysubmit_9"}, bash_runner()) == ("raysubmit_9",)
    assert not canary.exists()


def test_a_failing_command_says_how_it_failed(tmp_path: Path) -> None:
    (group,) = _guide(tmp_path / "ran").groups
    failing = group._replace(command='[ -n "$RAY_ADDRESS" ] && curl x', options=(group.options[0],))
    with pytest.raises(ExpansionError, match=r"exited 1") as caught:
        answers_of(failing, {"PATH": os.environ["PATH"]}, bash_runner())
    assert caught.value.exit_code == 2
    empty = failing._replace(command="true")
    with pytest.raises(ExpansionError, match="printed nothing to choose from"):
        answers_of(empty, {"PATH": os.environ["PATH"]}, bash_runner())


class _Picks:
    """A prompter that answers from a script and records what it was shown."""

    def __init__(self, *picks: int) -> None:
        self.picks = list(picks)
        self.shown: list[tuple[str, tuple[str, ...]]] = []

    def select(self, question: str, options: tuple[str, ...]) -> int:
        self.shown.append((question, tuple(options)))
        return self.picks.pop(0)

    def text(self, question: str, default: str | None) -> str:
        raise AssertionError("no form here")


def test_asking_a_dynamic_question_runs_its_command_then_offers_its_lines(tmp_path: Path) -> None:
    found = _guide(tmp_path / "ran")
    picks = _Picks(1)
    answers = ask(found.asked, {}, picks, dict(os.environ), bash_runner())
    (answer,) = answers.values()
    assert (answer.value, answer.source) == ("raysubmit_1 DONE", "prompt")
    assert picks.shown[0][1][0] == "raysubmit_2 RUNNING"


def test_choice_and_uuid_are_substituted_as_madwizard_does() -> None:
    body = 'export A="${choice}" B=$choice C=${CHOICE} D=${uuid} E=$uuid'
    assert substitute(body, "x y", "u1") == 'export A="x y" B=x y C=x y D=u1 E=u1'
    assert substitute("cd ${choice}", "~/work", "u") == f"cd {os.path.expanduser('~')}/work"
    assert substitute("echo ${choice}", None, "u") == "echo ${choice}"


def test_colour_codes_are_removed_for_matching() -> None:
    assert strip_ansi("a \x1b[0;36mb\x1b[0m") == "a b"


def test_a_saved_answer_the_command_no_longer_offers_is_asked_again(tmp_path: Path) -> None:
    from mdrun.choices import profiles
    from mdrun.model import Answer, Plan

    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    found = _guide(tmp_path / "ran")
    (group,) = found.groups
    path = ((group.id, group.options[0]),)

    def reached(profile: str, now: dict[str, str]) -> RunSettling:
        """A run that reaches the question's tab, off a terminal, with `profile`."""
        known = known_answers(found.asked, env=now, profile=profile)

        def replan(_answers: object) -> Plan:
            raise AssertionError("not planned here")

        settling = RunSettling(found.asked, known, replan, bash_runner(), None, profile, env)
        settling.settle_path(path, now)
        return settling

    profiles.save("p", [Answer(group.id, "raysubmit_0 DONE", "prompt")], env)
    with pytest.raises(UnansweredError, match="Choose a Ray Run"):
        reached("p", env)
    profiles.save("p", [Answer(group.id, "raysubmit_1 DONE", "prompt")], env)
    answers = reached("p", env).answers
    assert answers[group.id][1:3] == ("raysubmit_1 DONE", "profile")
    # the environment at that point beats the profile, and what it gave is not saved
    answers = reached("p", {**env, "JOB_ID": "raysubmit_7"}).answers
    assert answers[group.id][1:3] == ("raysubmit_7", "environment")
    reached("q", {**env, "JOB_ID": "raysubmit_7"})
    saved = profiles.load("q", env)
    assert saved is not None and dict(saved.choices) == {}
