"""The `sh` render's questions: one variable each, and a `case` around every block in a tab.

`MDRUN_CHOICE_<ID>` holds a question's answer; it defaults to the answer the plan knew, and
when the plan knew none and the variable is unset the script stops (exit 2, before any block)
with a message naming the question, its answers and the variable to set. A form has one
variable per field, defaulting to the field's `[default: …]`. Inside the `case` arm, `choice`
is set as `mdrun run` fills in `${choice}`, so the bodies stay as written.
"""

from __future__ import annotations

import json
import re
import shlex

from mdrun.model import Block, ChoiceGroup, Plan
from mdrun.redact import REDACTED
from mdrun.render.questions import shown_questions


def variable(group: ChoiceGroup, field: str | None = None) -> str:
    """`MDRUN_CHOICE_MADWIZARD_APRIORI_PLATFORM` (a form field's gets `__FIELD`)."""
    parts = [group.id, *([field] if field else [])]
    shell = [re.sub(r"[^A-Za-z0-9]+", "_", part).strip("_").upper() for part in parts]
    return "MDRUN_CHOICE_" + "__".join(shell)


def _comment(text: str) -> str:
    return " ".join(text.split())


def variable_lines(plan: Plan, show_secrets: bool = False) -> list[str]:
    """The variables, with their defaults and the exit-2 check, before any block runs."""
    shown = shown_questions(plan, show_secrets)
    if not shown:
        return []
    lines = ["", "# The questions, one variable each (set it to answer differently)."]
    for question in shown:
        group = question.group
        lines.append(
            f"# {_comment(group.name)} ({_comment(group.id)}): {_comment(question.offers)}"
        )
        if group.kind == "form":
            fields = dict(question.answer.fields) if question.answer else {}
            for field, default in zip(group.options, group.defaults, strict=False):
                lines.append(_default(variable(group, field), fields.get(field, default or "")))
        elif question.answer is not None:
            lines.append(_default(variable(group), question.answer.value))
        elif question.reached:
            lines += _required(group, question.offers)
    return lines


def _default(name: str, value: str) -> str:
    """The variable defaulting to the plan's answer; a redacted one must be set instead."""
    if value == REDACTED:
        return f': "${{{name}:?{name} must be set (its value is redacted by mdrun)}}"'
    return f': "${{{name}={shlex.quote(value)}}}"'


def _required(group: ChoiceGroup, offers: str) -> list[str]:
    name = variable(group)
    if group.kind == "multi":  # the picks as madwizard's JSON list, as run.json has them
        example = json.dumps(list(group.options[:2]), separators=(",", ":"))
        offers = f"a list such as {example} ({offers})"
    said = f'"{group.name}" ({group.id}) has no answer: set {name} to {offers}'
    if group.env_key:
        said += f" (or {group.env_key})"
        return [
            f': "${{{name}=${{{group.env_key}-}}}}"',
            f'[ -n "${name}" ] || {{ echo {shlex.quote("mdrun: " + said)} >&2; exit 2; }}',
        ]
    return [f'[ -n "${{{name}+x}}" ] || {{ echo {shlex.quote("mdrun: " + said)} >&2; exit 2; }}']


def _pattern(group: ChoiceGroup, option: str) -> str:
    if group.kind == "dynamic" and option.startswith("expand("):
        return "*"
    if group.kind == "multi":
        return f"*{shlex.quote(chr(34) + option + chr(34))}*"
    return shlex.quote(option)


def in_cases(block: Block, plan: Plan, lines: list[str]) -> list[str]:
    """`lines` (one block's script) inside a `case` per question around the block."""
    if not block.choices:
        return lines
    groups = {q.group.id: q.group for q in plan.runbook.questions}
    opened: list[str] = []
    choice = ""
    for qid, option in block.choices:
        group = groups[qid]
        if group.kind == "form":
            choice = f'"${{{variable(group, option)}-}}"'
            continue
        opened += [f'case "${{{variable(group)}-}}" in', f"{_pattern(group, option)})"]
        choice = f'"${variable(group)}"' if group.kind == "dynamic" else shlex.quote(option)
    closed = [";;\nesac"] * (len(opened) // 2)
    return [*opened, f"choice={choice}", *lines, *closed, "unset choice"]
