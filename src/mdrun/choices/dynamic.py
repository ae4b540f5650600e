"""Dynamic questions (`expand(COMMAND)`) and `${choice}` in the chosen tab's blocks.

A dynamic question's answers are the lines its command prints (empty lines and repeats dropped,
as madwizard does). The command is the guidebook author's code: only `mdrun run` may run it, so
`answers_of` takes the runner from its caller, and `plan` or `check` show `describe` instead.
When the question names an environment variable (`expand(CMD, Title, JOB_ID)`) that is set, its
value is the one answer and nothing runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping

from mdrun.blocks.tabtitle import parse_expansion
from mdrun.errors import ExpansionError
from mdrun.model import ChoiceGroup, describe_dynamic

Runner = Callable[[str, Mapping[str, str]], str]
"""Runs a shell command with an environment and returns what it printed on stdout; raises
`ExpansionError` when it fails. `mdrun run` passes `mdrun.run.expansion.bash_runner()`."""

__all__ = [
    "ExpansionError",
    "Runner",
    "answers_of",
    "describe",
    "from_environment",
    "strip_ansi",
    "substitute",
    "tab_for",
]

# madwizard (choices/groups/expansion.ts): `$choice` or `${choice}`, any case.
_CHOICE = re.compile(r"\$\{?choice\}?", re.IGNORECASE)
_UUID = re.compile(r"\$\{uuid\}|\$uuid", re.IGNORECASE)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """`text` without terminal colour codes (a dynamic answer's lines may carry them)."""
    return _ANSI.sub("", text)


def describe(group: ChoiceGroup) -> str:
    r"""What plan shows instead of the answers: `the lines \`kubectl get ns\` prints`."""
    return describe_dynamic(group)


def from_environment(group: ChoiceGroup, env: Mapping[str, str]) -> str | None:
    """The answer the question's environment variable gives, if it names one that is set."""
    if group.env_key and env.get(group.env_key):
        return env[group.env_key]
    return None


def answers_of(group: ChoiceGroup, env: Mapping[str, str], runner: Runner) -> tuple[str, ...]:
    """The answers to offer: the question's static tabs, then the command's output lines."""
    assert group.command is not None, "only dynamic questions expand"
    if (value := from_environment(group, env)) is not None:
        return (value,)
    lines = [line for line in runner(group.command, env).split("\n") if line.strip()]
    offered: list[str] = []
    for option in group.options:
        offered.extend(lines if parse_expansion(option) is not None else [option])
    found = tuple(dict.fromkeys(offered))
    if not found:
        raise ExpansionError(f"{group.name}: `{group.command}` printed nothing to choose from")
    return found


def tab_for(group: ChoiceGroup, answer: str) -> str:
    """The tab an answer selects: a static tab by its name, else the one that expands."""
    if answer in group.options or group.kind != "dynamic":
        return answer
    return next((o for o in group.options if parse_expansion(o) is not None), answer)


def substitute(body: str, choice: str | None, uuid: str) -> str:
    """madwizard's macros in a block body: `${choice}` → the answer, `${uuid}` → `uuid`.

    An answer starting with `~/` (or `~`) is expanded to the home directory, as madwizard does.
    """
    if choice:
        home = os.path.expanduser("~")
        value = home + choice[1:] if choice == "~" or choice.startswith("~/") else choice
        body = _CHOICE.sub(lambda _m: value, body)
    return _UUID.sub(lambda _m: uuid, body)
