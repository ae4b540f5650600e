"""`mdrun list`: one aligned plain-text row per block.

Plain string formatting: the table is fixed-width text, so `mdrun list` needs no rich.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from mdrun.model import Block, ChoicePath, Runbook, SourceLocation
from mdrun.render import unfetched_dict, unfetched_note

HEADER = ("#", "NAME", "MODE", "ORIGIN", "FIRST LINE")
MAX_FIRST_LINE = 60
"""Longest first-line excerpt shown; longer lines end with `…`."""


def first_line(body: str, width: int = MAX_FIRST_LINE) -> str:
    """The first non-blank line of `body`, stripped, cut to `width` characters."""
    for line in body.split("\n"):
        text = line.strip()
        if text:
            return text if len(text) <= width else text[: width - 1] + "…"
    return ""


def short_origin(block: Block) -> str:
    """`file:line` of the fence itself, innermost file of the include chain."""
    return str(block.origin[-1]) if block.origin else "<unknown>"


def _row(block: Block) -> tuple[str, ...]:
    return (str(block.index), block.name, block.mode, short_origin(block), first_line(block.body))


def render_list(runbook: Runbook) -> str:
    """The block table of `runbook`: index, name, sync/async, origin, first line of the body;
    then each URL import that was not fetched."""
    notes = "".join(unfetched_note(u) + "\n" for u in runbook.document.unfetched)
    if not runbook.blocks:
        return f"{runbook.path}: no shell blocks\n{notes}"
    rows = [HEADER, *(_row(block) for block in runbook.blocks)]
    widths = [max(len(row[col]) for row in rows) for col in range(len(HEADER) - 1)]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[0]) if col == 0 else cell.ljust(widths[col])
            for col, cell in enumerate(row[:-1])
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines) + "\n" + notes


LIST_SCHEMA_VERSION = 1
"""Bumped when a field of `mdrun list --format json` changes meaning (docs/list-schema.md)."""


def _location(loc: SourceLocation) -> dict[str, object]:
    return {"path": loc.path, "line": loc.line}


def _block_json(block: Block, choices: ChoicePath) -> dict[str, object]:
    opts = block.options
    return {
        "index": block.index,
        "name": block.name,
        "mode": block.mode,
        "language": block.language,
        "body": block.body,
        "origin": [_location(loc) for loc in block.origin],
        "imports": [{"spec": s.spec, "name": s.name, "group": s.group} for s in block.imports],
        "choices": [{"question": q, "answer": a} for q, a in choices],
        "validate": opts.validate,
        "done_if": [check.command for check in block.guidebook_checks],
        "exec": opts.exec,
        "optional": opts.optional,
        "when": opts.when,
        "finally": opts.cleanup,
    }


def render_list_json(runbook: Runbook, choices: Mapping[int, ChoicePath] | None = None) -> str:
    """Every block as JSON, in the shape docs/list-schema.md documents; `choices` gives each
    block's choice path by its index (none: outside every choice)."""
    paths = choices or {}
    doc = {
        "version": LIST_SCHEMA_VERSION,
        "runbook": runbook.path,
        "unfetched_imports": [unfetched_dict(u) for u in runbook.document.unfetched],
        "blocks": [_block_json(block, paths.get(block.index, ())) for block in runbook.blocks],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
