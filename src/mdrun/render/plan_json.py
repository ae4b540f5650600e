"""The `json` plan render: schema `mdrun.plan/1`, documented in docs/plan-schema.md.

Named plan_json rather than json so that it never shadows the standard library module.
Key order is fixed by construction (never by dict iteration over user data), and variables are
sorted by name, so the same plan always gives the same bytes.
"""

from __future__ import annotations

from mdrun.model import Answer, BlockOptions, Origin, Plan, PlannedBlock
from mdrun.render import (
    JsonValue,
    Scrub,
    counts,
    runbook_names,
    scrubber,
    shown_variables,
    unfetched_dict,
)
from mdrun.render.questions import ShownQuestion, shown_questions

SCHEMA = "mdrun.plan/1"


# BlockOptions field → the attribute key a runbook author writes in the fence's info string.
_OPTION_KEYS = {
    "is_async": "async",
    "max_restarts": "max-restarts",
    "ready_timeout": "ready-timeout",
    "allow_failure": "allow-failure",
    "cleanup": "finally",
}


def option_dict(options: BlockOptions) -> dict[str, JsonValue]:
    """Every option of a block, keyed by its info-string spelling, in `BlockOptions` order."""
    return {_OPTION_KEYS.get(f, f): getattr(options, f) for f in options._fields}


def option_words(planned: PlannedBlock) -> list[str]:
    """Attributes that differ from their defaults, as `key=value` in the info-string spelling."""
    defaults = option_dict(type(planned.block.options)())
    words = []
    for key, value in option_dict(planned.block.options).items():
        if key in ("name", "async") or value == defaults[key]:
            continue
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        words.append(f"{key}={shown}")
    return words


def origin_list(origin: Origin) -> list[JsonValue]:
    """An include chain as `[{path, line}, ...]`, outermost first."""
    return [{"path": loc.path, "line": loc.line} for loc in origin]


def block_dict(planned: PlannedBlock, scrub: Scrub) -> dict[str, JsonValue]:
    """One element of the `blocks` array."""
    block, verdict = planned.block, planned.verdict
    return {
        "index": block.index,
        "name": block.name,
        "mode": block.mode,
        "language": block.language,
        "heading": block.heading,
        "origin": origin_list(block.origin),
        "verdict": verdict.kind,
        "reason": scrub(verdict.reason),
        "branch": verdict.branch,
        "choices": [{"question": qid, "answer": option} for qid, option in block.choices],
        "chosen": planned.chosen,
        "options": option_dict(block.options),
        "body": block.body,
    }


def answer_dict(answer: Answer | None) -> JsonValue:
    """An answer and where it came from, or None."""
    if answer is None:
        return None
    fields: JsonValue = dict(answer.fields) if answer.fields else None
    return {
        "value": answer.value,
        "fields": fields,
        "source": answer.source,
        "detail": answer.detail,
    }


def question_dict(shown: ShownQuestion) -> dict[str, JsonValue]:
    """One element of the `questions` array."""
    group = shown.group
    return {
        "id": group.id,
        "key": group.key,
        "name": group.name,
        "kind": group.kind,
        "options": list(group.options),
        "defaults": list(group.defaults) if group.kind == "form" else None,
        "command": group.command,
        "env_key": group.env_key,
        "offers": shown.offers,
        "reached": shown.reached,
        "answer": answer_dict(shown.answer),
    }


def plan_dict(
    plan: Plan, show_secrets: bool = False, show_env: bool = False
) -> dict[str, JsonValue]:
    """The whole plan as JSON-ready data (schema `mdrun.plan/1`). Inherited variables are listed
    when the runbook reads or sets them, or all of them with `show_env`."""
    scrub = scrubber(plan, show_secrets)
    read = runbook_names(plan)
    environment: dict[str, JsonValue] = {
        row.name: {
            "value": row.value,
            "source": row.source,
            "certain": row.certain,
            "redacted": row.redacted,
        }
        for row in shown_variables(plan.initial_env, show_secrets, show_env, read)
    }
    tally: dict[str, JsonValue] = {"blocks": len(plan.blocks), **counts(plan)}
    return {
        "schema": SCHEMA,
        "runbook": plan.runbook.path,
        "summary": tally,
        "environment": environment,
        "questions": [question_dict(q) for q in shown_questions(plan, show_secrets)],
        "unfetched_imports": [unfetched_dict(u) for u in plan.runbook.document.unfetched],
        "blocks": [block_dict(planned, scrub) for planned in plan.blocks],
    }


def render_json(plan: Plan, show_secrets: bool = False, show_env: bool = False) -> str:
    """The plan as indented JSON text, ending with a newline."""
    import json  # here: the text and plain renders import this module for `option_words`

    data = plan_dict(plan, show_secrets, show_env)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
