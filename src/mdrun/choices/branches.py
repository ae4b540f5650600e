"""What a block's choice path means once answers are known: does it run, and what is `${choice}`.

For plan: a block whose every enclosing tab was chosen runs as any other block; one under a tab
that was not chosen is skipped; one under a question without an answer is `unknown`, with the
question named (`depends on "Install jq"`). For run: `${choice}` in a block is the answer of the
innermost question around it: a tab's own title (madwizard fills it in for every tab), a form
field's value, or a dynamic question's chosen line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NamedTuple

from mdrun.choices.pending import chose
from mdrun.model import Answer, ChoiceGroup, ChoicePath

BranchKind = Literal["chosen", "not chosen", "open"]


class Branch(NamedTuple):
    """Where a block stands with respect to the questions around it."""

    kind: BranchKind
    """`chosen` (every enclosing tab chosen, or no tab at all), `not chosen`, or `open` (a
    question on the way has no answer yet)."""
    reason: str
    """A sentence for the plan: `"Install jq" is Linux`, `depends on "Install jq"`."""


def _answer_text(answer: Answer) -> str:
    if answer.fields:
        return ", ".join(f"{k}={v}" for k, v in answer.fields)
    return answer.value


def branch(
    path: ChoicePath, groups: Mapping[str, ChoiceGroup], answers: Mapping[str, Answer]
) -> Branch:
    """The block's standing, deciding from the outermost question inwards."""
    said: list[str] = []
    for qid, option in path:
        group = groups.get(qid)
        name = f'"{group.name}"' if group else qid
        answer = answers.get(qid)
        if group is None or answer is None:
            return Branch("open", f"depends on {name}")
        text = _answer_text(answer)
        if not chose(group, answer, option):
            return Branch("not chosen", f"{name} is {text}, not {option}")
        if group.kind != "form":
            said.append(f"{name} is {text}")
    return Branch("chosen", "; ".join(said))


def choice_value(
    path: ChoicePath, groups: Mapping[str, ChoiceGroup], answers: Mapping[str, Answer]
) -> str | None:
    """The value of `${choice}` in a block with this path (None: leave it as written)."""
    if not path:
        return None
    qid, option = path[-1]
    group, answer = groups.get(qid), answers.get(qid)
    if group is None:
        return None
    if group.kind == "form":
        return dict(answer.fields).get(option) if answer else None
    if group.kind == "dynamic":
        return answer.value if answer and answer.value not in group.options else None
    return option
