"""`mdrun diff`'s terminal and JSON renders (the Markdown one is `mdrun.diff.markdown`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from mdrun.diff.changes import BlockChange, BlockSide, ChoiceChange, RunbookDiff, VariableChange
from mdrun.render.text import wants_color

SCHEMA = "mdrun.diff/1"
_STYLES = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m", "#": "\x1b[1m"}
_RESET = "\x1b[0m"


def render_diffs(diffs: Sequence[RunbookDiff], fmt: str) -> str:
    """`text` (coloured on a terminal), `markdown` or `json`."""
    if fmt == "json":
        return render_json(diffs)
    if fmt == "markdown":
        from mdrun.diff.markdown import render_markdown  # jinja2, for this format only

        return render_markdown(diffs)
    return render_text(diffs, color=wants_color())


def headline(diff: RunbookDiff) -> str:
    """`runbook.md: 2 blocks added, 1 verdict flip since main (abc1234)`."""
    return f"{diff.runbook}: {change_summary(diff)}"


def change_summary(diff: RunbookDiff) -> str:
    """What changed, in a few words, and since when."""
    if diff.status in ("new", "deleted"):
        return f"{diff.status} since {diff.base} ({len(diff.blocks)} blocks)"
    if diff.status == "unchanged":
        return f"no change to what runs since {diff.base}"
    counts = [
        (sum(1 for b in diff.blocks if b.kind == kind), kind)
        for kind in ("added", "removed", "moved", "changed")
    ]
    parts = [f"{n} {'block' if n == 1 else 'blocks'} {kind}" for n, kind in counts if n]
    extras = [
        (len(diff.verdicts), "verdict flip", "verdict flips"),
        (len(diff.reads), "variable read", "variables read"),
        (len(diff.exports), "export", "exports"),
        (len(diff.files), "include/import", "includes/imports"),
        (len(diff.choices), "choice", "choices"),
    ]
    parts += [f"{n} {one if n == 1 else many}" for n, one, many in extras if n]
    if diff.base_error:
        parts.insert(0, "did not load at the base")
    return f"{', '.join(parts) or 'changed'} since {diff.base}"


def choice_line(change: ChoiceChange) -> str:
    """`question added "Install jq" (kubernetes/kubectl): Linux | MacOS`; for a block,
    `block path changed: block 'x': was under …, now under …`."""
    if change.kind == "block path changed":
        return f"{change.kind}: {change.detail}"
    return f'{change.kind} "{change.name}" ({change.question}): {change.detail}'


def _side(side: BlockSide) -> str:
    return f"{side.verdict} at {side.origin}"


def _block_lines(change: BlockChange) -> list[str]:
    side = change.new or change.old
    assert side is not None  # every change has at least one side
    head = f"  {change.kind} block {change.name!r} ({_side(side)})"
    lines = [head, *(f"    {d}" for d in change.details)]
    lines += [f"    {line}" for line in change.body_diff.splitlines()]
    return lines


def _variable_lines(title: str, changes: Sequence[VariableChange]) -> list[str]:
    return [
        f"  {'+' if c.direction == 'added' else '-'} {title} {c.name} ({', '.join(c.blocks)})"
        for c in changes
    ]


def render_text(diffs: Sequence[RunbookDiff], color: bool = False) -> str:
    """Every diff as terminal text: a headline each, then what changed."""
    lines: list[str] = []
    for diff in diffs:
        lines.append(f"# {headline(diff)}")
        if diff.base_error:
            lines.append(f"  did not load at {diff.base}: {diff.base_error}")
        for change in diff.blocks:
            lines += _block_lines(change)
        for flip in diff.verdicts:
            lines.append(f"  verdict of {flip.name!r}: {flip.old.verdict} → {flip.new.verdict}")
            lines.append(f"    was: {flip.old.reason}")
            lines.append(f"    now: {flip.new.reason}")
        lines += _variable_lines("reads", diff.reads)
        lines += _variable_lines("exports", diff.exports)
        for f in diff.files:
            sign = "+" if f.direction == "added" else "-"
            lines.append(f"  {sign} {f.kind} {f.path} (from {f.via})")
        lines += [f"  {choice_line(c)}" for c in diff.choices]
    text = "\n".join(lines) + "\n"
    return _colour(text) if color else text


def _colour(text: str) -> str:
    out = []
    for line in text.splitlines():
        key = line.lstrip()[:1]
        style = _STYLES.get(key) if not line.lstrip().startswith(("+++", "---")) else None
        out.append(f"{style}{line}{_RESET}" if style else line)
    return "\n".join(out) + "\n"


def _side_dict(side: BlockSide | None) -> dict[str, object] | None:
    return None if side is None else side._asdict()


def diff_dict(diff: RunbookDiff) -> dict[str, object]:
    """One runbook's diff as plain data, keys in a fixed order."""
    return {
        "runbook": diff.runbook,
        "base": diff.base,
        "status": diff.status,
        "base_error": diff.base_error,
        "blocks": [
            {
                "kind": c.kind,
                "name": c.name,
                "old": _side_dict(c.old),
                "new": _side_dict(c.new),
                "body_diff": c.body_diff,
                "details": list(c.details),
            }
            for c in diff.blocks
        ],
        "verdicts": [
            {"name": f.name, "old": _side_dict(f.old), "new": _side_dict(f.new)}
            for f in diff.verdicts
        ],
        "reads": [c._asdict() for c in diff.reads],
        "exports": [c._asdict() for c in diff.exports],
        "files": [c._asdict() for c in diff.files],
        "choices": [c._asdict() for c in diff.choices],
    }


def render_json(diffs: Sequence[RunbookDiff]) -> str:
    """`{"schema": "mdrun.diff/1", "changed": bool, "runbooks": [...]}`."""
    data = {
        "schema": SCHEMA,
        "changed": any(d.changed for d in diffs),
        "runbooks": [diff_dict(d) for d in diffs],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
