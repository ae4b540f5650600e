"""The `markdown` plan render: the runbook flattened into one reviewable document.

Prose from the expanded document is kept; every shell fence is replaced by a verdict note and
the block's body under a fence that no backtick run inside the body can close.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from mdrun.model import Plan, PlannedBlock, format_origin
from mdrun.render import (
    Scrub,
    counts,
    planned_environment,
    scrubber,
    shown_variables,
    unfetched_note,
    with_newline,
)
from mdrun.render.jinja import templates
from mdrun.render.plan_json import block_dict, option_words
from mdrun.render.questions import branch_of, question_names, shown_questions

_FENCE_OPEN = re.compile(r"^\s*(`{3,}|~{3,})")  # a fence in a tab is indented


def fence_for(body: str) -> str:
    """A backtick fence longer than any backtick run in `body` (at least three)."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


def inline_code(text: str) -> str:
    """`text` as inline code, with delimiters that no backtick run inside can close."""
    text = text.replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _cell(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|")


def _value(value: str | None) -> str:
    return "*(set, value unknown)*" if value is None else inline_code(value)


def escape_text(text: str) -> str:
    """Free text (reasons, sources) with Markdown's inline syntax characters escaped."""
    return re.sub(r"([\\`*\[\]<>|])", r"\\\1", text.replace("\n", " "))


class Segment(NamedTuple):
    """Either a run of prose from the document or one planned block."""

    prose: str | None = None
    """Markdown text copied from the expanded document."""
    block: dict[str, object] | None = None
    """Template data for a block."""


FILTERS = {"code": inline_code, "cell": _cell, "value": _value, "text": escape_text}


def _block_data(planned: PlannedBlock, scrub: Scrub, names: Mapping[str, str]) -> dict[str, object]:
    data: dict[str, object] = dict(block_dict(planned, scrub))
    data.update(
        under=branch_of(planned.block, names),
        origin=format_origin(planned.block.origin),
        options=option_words(planned),
        body=with_newline(planned.block.body),
        fence=fence_for(planned.block.body),
    )
    return data


def fence_spans(plan: Plan) -> list[tuple[int, int]] | None:
    """For each block, the (first, last) document lines of its fence, or None when the blocks
    cannot all be located (then the render lists blocks without the prose)."""
    lines = plan.runbook.document.text.split("\n")
    origins = plan.runbook.document.origins
    index = {origin: i for i, origin in enumerate(origins) if i < len(lines)}
    spans: list[tuple[int, int]] = []
    for planned in plan.blocks:
        start = index.get(planned.block.origin)
        if start is None or not _FENCE_OPEN.match(lines[start]):
            return None
        end = min(start + len(planned.block.line_origins) + 1, len(lines) - 1)
        if spans and start <= spans[-1][1]:
            return None
        spans.append((start, end))
    return spans


def _segments(plan: Plan, blocks: list[dict[str, object]]) -> list[Segment]:
    spans = fence_spans(plan)
    if spans is None:
        return [Segment(block=data) for data in blocks]
    lines = plan.runbook.document.text.split("\n")
    segments: list[Segment] = []
    cursor = 0
    for (start, end), data in zip(spans, blocks, strict=True):
        prose = "\n".join(lines[cursor:start]).strip("\n")
        if prose:
            segments.append(Segment(prose=prose))
        if data["chosen"]:
            segments.append(Segment(block=data))
        cursor = end + 1
    tail = "\n".join(lines[cursor:]).strip("\n")
    if tail:
        segments.append(Segment(prose=tail))
    return segments


def render_markdown(plan: Plan, show_secrets: bool = False) -> str:
    """The plan as one Markdown document, for a pull request or a review."""
    scrub = scrubber(plan, show_secrets)
    names = question_names(plan)
    blocks = [_block_data(planned, scrub, names) for planned in plan.blocks]
    merged = planned_environment(plan)
    variables = shown_variables(merged, show_secrets, everything=False)
    env = templates()
    env.filters.update(FILTERS)  # idempotent; the environment is shared with the sh render
    return env.get_template("plan.md.j2").render(
        runbook=plan.runbook.path,
        tally={"blocks": len(plan.blocks), **counts(plan)},
        blocks=blocks,
        questions=shown_questions(plan, show_secrets),
        variables=variables,
        inherited=len(merged) - len(variables),
        segments=_segments(plan, blocks),
        unfetched=[unfetched_note(u) for u in plan.runbook.document.unfetched],
    )
