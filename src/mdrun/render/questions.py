"""The questions a plan depends on, as every render shows them: each once, with its answer and
where the answer came from, or the answers it offers while it has none.

A block's branch (`under "Install jq" = Linux`) is shown with the block, so that a plan without
answers reads as every branch under its question; with answers, the blocks of branches not
chosen are left out of the text and Markdown renders and only counted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import NamedTuple

from mdrun.model import Answer, Block, ChoiceGroup, ChoicePath, Plan, describe_dynamic
from mdrun.redact import redact_answer


class ShownQuestion(NamedTuple):
    """One question of the plan, as a render shows it."""

    group: ChoiceGroup
    """The question."""
    answer: Answer | None
    """Its answer, None while it has none."""
    reached: bool = True
    """False when every block under it is on a branch not chosen: it is not asked."""

    @property
    def offers(self) -> str:
        """The answers it offers: `Linux | Darwin`, a dynamic command, a form's fields."""
        group = self.group
        if group.kind == "dynamic":
            return describe_dynamic(group)
        if group.kind == "form":
            return ", ".join(
                f"{o} [default: {d}]" if d else o
                for o, d in zip(group.options, group.defaults, strict=False)
            )
        if group.kind == "multi":
            return "any of " + " + ".join(group.options)
        return " | ".join(group.options)

    @property
    def answered(self) -> str | None:
        """The answer as text (a form's `field=value` pairs, a multi-select's picks joined
        with ` + `), None while it has none."""
        if self.answer is None:
            return None
        if self.answer.fields:
            return ", ".join(f"{k}={v}" for k, v in self.answer.fields)
        if self.group.kind == "multi":
            return " + ".join(_picks(self.answer.value))
        return self.answer.value

    @property
    def source(self) -> str:
        """Where the answer came from: `flag (--choose 'x=Linux')`, `apriori (this machine)`."""
        if self.answer is None:
            return ""
        detail = f" ({self.answer.detail})" if self.answer.detail else ""
        return self.answer.source + detail


def shown_questions(plan: Plan, show_secrets: bool = False) -> list[ShownQuestion]:
    """Each distinct question of the plan's runbook, in document order; secret-looking form
    fields and variables redacted unless `show_secrets`."""
    groups = {q.group.id: q.group for q in plan.runbook.questions}
    live = {qid for p in plan.blocks if p.chosen for qid, _ in p.block.choices}
    shown = []
    for group in groups.values():
        answer = plan.answers.get(group.id)
        if answer is not None and not show_secrets:
            answer = redact_answer(answer)
        shown.append(ShownQuestion(group, answer, group.id in live))
    return shown


def path_text(path: ChoicePath, names: Mapping[str, str]) -> str:
    """`"Platform" = Darwin > "Mac installer" = curl`: a choice path, each question by its name
    (`names`: question id → name) or, unknown there, its id."""
    return " > ".join(f'"{names.get(qid, qid)}" = {option}' for qid, option in path)


def question_names(plan: Plan) -> dict[str, str]:
    """Each question's name by its id, for `branch_of`."""
    return {q.group.id: q.group.name for q in plan.runbook.questions}


def branch_of(block: Block, names: Mapping[str, str]) -> str | None:
    """The tabs a block sits in (`path_text`, `names` from `question_names`), or None outside
    every choice."""
    if not block.choices:
        return None
    return path_text(block.choices, names)


def question_lines(plan: Plan, show_secrets: bool = False) -> list[str]:
    """The plain-text questions section (empty when the runbook asks nothing)."""
    shown = shown_questions(plan, show_secrets)
    if not shown:
        return []
    lines = ["", "Questions"]
    for question in shown:
        group = question.group
        if not question.reached:
            lines.append(f'  "{group.name}" ({group.id}): not asked (its branch is not chosen)')
        elif question.answered is None:
            lines.append(f'  "{group.name}" ({group.id}): no answer; offers {question.offers}')
        else:
            lines.append(f'  "{group.name}" = {question.answered}  ({question.source})')
    hidden = sum(not p.chosen for p in plan.blocks)
    if hidden:
        lines.append(f"  ({hidden} blocks on branches not chosen are not shown)")
    return lines


def _picks(value: str) -> list[str]:
    """A multi-select answer's tabs: madwizard's JSON list (`["jq","fzf"]`), else one name."""
    try:
        found = json.loads(value)
    except ValueError:
        return [value]
    return [str(v) for v in found] if isinstance(found, list) else [value]
