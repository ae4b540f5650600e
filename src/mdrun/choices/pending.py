"""Which questions still need an answer, and the message that names them when no one can answer.

A question is reached when every answer on its path chose the tab it sits in: a nested question
under an unchosen tab is never asked, and one under an unanswered question waits for it.
"""

from __future__ import annotations

import json
import shlex
from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from mdrun.choices.dynamic import describe, tab_for
from mdrun.errors import MdrunError
from mdrun.model import Answer, ChoiceGroup, ChoicePath, Question


class UnansweredError(MdrunError):
    """Questions without answers and no terminal to ask them on: exit 2 before anything runs."""


def picks(value: object) -> list[str]:
    """A multi-select answer's names: madwizard's JSON list (`["Tab1","Tab3"]`, as its profiles
    and `--assert` spell it), a list, or else one name."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        text = value
        try:
            value = json.loads(text)
        except ValueError:
            return [text]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def encode_picks(group: ChoiceGroup, names: Collection[str]) -> str:
    """A multi-select answer as madwizard keeps it: the picked tabs' names, in tab order, as a
    compact JSON list."""
    picked = [o for o in group.options if o in names]
    return json.dumps(picked, ensure_ascii=False, separators=(",", ":"))


def chose(group: ChoiceGroup, answer: Answer, option: str) -> bool:
    """Whether `answer` selects the tab named `option` of `group`."""
    if group.kind == "form":
        return True  # a form's tabs all run, each with its own value
    if group.kind == "multi":
        return option in picks(answer.value)
    return tab_for(group, answer.value) == option


def reached(
    path: ChoicePath, groups: Mapping[str, ChoiceGroup], answers: Mapping[str, Answer]
) -> bool:
    """Whether the answers so far lead to a block or question with this choice path."""
    for qid, option in path:
        answer = answers.get(qid)
        if answer is None or qid not in groups or not chose(groups[qid], answer, option):
            return False
    return True


def pending(asked: Sequence[Question], answers: Mapping[str, Answer]) -> list[Question]:
    """The reached, unanswered questions, each once, in document order."""
    groups = {q.group.id: q.group for q in asked}
    out: dict[str, Question] = {}
    for question in asked:
        qid = question.group.id
        if qid not in answers and qid not in out and reached(question.path, groups, answers):
            out[qid] = question
    return list(out.values())


def choose_line(group: ChoiceGroup, by_name: bool = False) -> str:
    """The `--choose` flag(s) that answer `group`, with a placeholder or its first answer;
    `by_name`: name it by its readable name (when that is unambiguous) rather than its id."""
    if group.kind == "form":
        flags = [
            "--choose " + shlex.quote(f"{field}={default or 'VALUE'}")
            for field, default in zip(group.options, group.defaults, strict=False)
        ]
        return " ".join(flags)
    value = "LINE" if group.kind == "dynamic" else group.options[0]
    if group.kind == "multi":
        value = encode_picks(group, group.options[:2])
    name = group.name if by_name else group.id
    return f"--choose {shlex.quote(f'{name}={value}')}"


def _answers_text(group: ChoiceGroup) -> str:
    if group.kind == "dynamic":
        return describe(group)
    if group.kind == "form":
        return "values for " + ", ".join(
            f"{o} [default: {d}]" if d else o
            for o, d in zip(group.options, group.defaults, strict=False)
        )
    some = "one or more of " if group.kind == "multi" else "one of "
    return some + ", ".join(group.options)


def unanswered_message(waiting: Sequence[Question], unique: Collection[str] = ()) -> str:
    """What to pass to answer each waiting question (shown instead of a prompt). A question
    whose id is only its key is named by its readable name when that is in `unique`."""
    count = len(waiting)
    head = "1 question has" if count == 1 else f"{count} questions have"
    lines = [f"{head} no answer and there is no terminal to ask on:"]
    for question in waiting:
        group = question.group
        by_name = group.id == group.key and group.name.casefold() in unique
        where = "" if by_name else f" ({group.id})"
        lines.append(f'  "{group.name}"{where}: {_answers_text(group)}')
        lines.append(f"      {choose_line(group, by_name)}")
        if group.env_key:
            lines.append(f"      or set {group.env_key}")
    lines.append("(answers can lead to further questions; --profile NAME keeps them)")
    return "\n".join(lines)


def require_answers(
    asked: Sequence[Question], answers: Mapping[str, Answer], later: Collection[str] = ()
) -> None:
    """Raise `UnansweredError` naming the reached questions that have no answer; those in
    `later` (question ids) are left to be answered during the run."""
    waiting = [q for q in pending(asked, answers) if q.group.id not in later]
    if waiting:
        names = Counter(g.name.casefold() for g in {q.group.id: q.group for q in asked}.values())
        unique = {name for name, count in names.items() if count == 1}
        raise UnansweredError(unanswered_message(waiting, unique))
