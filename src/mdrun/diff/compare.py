"""Two plans of one runbook → a `RunbookDiff`.

Blocks are matched by name, then leftovers by identical body (a block whose derived name
changed). A matched block is `moved` when it changed places relative to the other matched
blocks (it is not in their longest common order) or its fence moved to another file, and
`changed` when its body, attributes or name differ.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import NamedTuple

from mdrun.diff.changes import (
    BlockChange,
    BlockSide,
    ChoiceChange,
    RunbookDiff,
    Status,
    VariableChange,
    VerdictFlip,
)
from mdrun.diff.uses import Uses, runbook_uses
from mdrun.load.files import Files
from mdrun.model import Plan, PlannedBlock, format_origin
from mdrun.render import Scrub, scrubber
from mdrun.render.plan_json import option_words

Item = tuple[PlannedBlock, BlockSide]
"""A block as planned on one side, with its shown form."""


class Side(NamedTuple):
    """One side of the diff: its plan (None when the runbook is absent there) and its files."""

    plan: Plan | None
    """The plan, or None."""
    files: Files
    """Where that side's files are read (to tell imports from includes)."""


def _side(planned: PlannedBlock, scrub: Scrub) -> BlockSide:
    block = planned.block
    return BlockSide(
        position=block.index,
        name=block.name,
        origin=format_origin(block.origin),
        verdict=planned.verdict.kind,
        reason=scrub(planned.verdict.reason),
        options=tuple(option_words(planned)),
        mode=block.mode,
    )


def _blocks(side: Side, show_secrets: bool) -> list[Item]:
    if side.plan is None:
        return []
    scrub = scrubber(side.plan, show_secrets)
    return [(planned, _side(planned, scrub)) for planned in side.plan.blocks]


Pair = tuple[Item, Item]


def match_blocks(old: list[Item], new: list[Item]) -> list[Pair]:
    """Pairs of the same block on both sides, in the working tree's order: by name, then
    the rest by identical body."""
    by_name = {item[1].name: item for item in old}
    pairs: dict[int, Pair] = {}
    for n, item in enumerate(new):
        if (match := by_name.get(item[1].name)) is not None:
            pairs[n] = (match, item)
    taken = {id(pair[0]) for pair in pairs.values()}
    by_body: dict[str, Item] = {}
    for item in old:
        if id(item) not in taken:
            by_body.setdefault(item[0].block.body, item)
    for n, item in enumerate(new):
        if n not in pairs and (match := by_body.pop(item[0].block.body, None)) is not None:
            pairs[n] = (match, item)
    return [pairs[n] for n in sorted(pairs)]


def _in_order(pairs: Sequence[Pair]) -> set[int]:
    """Base positions of the matched blocks that keep their relative order: a longest
    increasing subsequence of the base positions, taken in the working tree's order; among
    equally long ones, the one keeping the earliest blocks in place."""
    best: list[list[int]] = []
    for position in (pair[0][1].position for pair in pairs):
        shorter = [c for c in best if c[-1] < position]
        chain: list[int] = max(shorter, key=_rank) if shorter else []
        best.append([*chain, position])
    longest: list[int] = max(best, key=_rank) if best else []
    return set(longest)


def _rank(chain: list[int]) -> tuple[int, list[int]]:
    return len(chain), [-p for p in chain]


def _body_diff(old: PlannedBlock, new: PlannedBlock, base: str) -> str:
    lines = difflib.unified_diff(
        old.block.body.splitlines(keepends=True),
        new.block.body.splitlines(keepends=True),
        fromfile=f"{format_origin(old.block.origin)} ({base})",
        tofile=f"{format_origin(new.block.origin)} (working tree)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _details(old: BlockSide, new: BlockSide) -> tuple[str, ...]:
    out = [f"renamed from {old.name!r}"] if old.name != new.name else []
    if old.mode != new.mode:
        out.append(f"mode: {old.mode} → {new.mode}")
    before, after = dict(_split(w) for w in old.options), dict(_split(w) for w in new.options)
    for key in dict.fromkeys([*before, *after]):
        if before.get(key) != after.get(key):
            out.append(f"{key}: {before.get(key, '(default)')!r} → {after.get(key, '(default)')!r}")
    return tuple(out)


def _split(word: str) -> tuple[str, str]:
    key, _, value = word.partition("=")
    return key, value


def _pair_changes(pairs: Sequence[Pair], base: str) -> list[BlockChange]:
    kept = _in_order(pairs)
    out = []
    for (old, old_side), (new, new_side) in pairs:
        old_file, new_file = old.block.origin[-1].path, new.block.origin[-1].path
        if old_side.position not in kept or old_file != new_file:
            why = f"from {old_side.origin} to {new_side.origin}"
            if old_side.position != new_side.position:
                why += f" (was block {old_side.position}, now {new_side.position})"
            out.append(BlockChange("moved", new_side.name, old_side, new_side, details=(why,)))
        details = _details(old_side, new_side)
        if old.block.body != new.block.body or details:
            body = _body_diff(old, new, base) if old.block.body != new.block.body else ""
            out.append(BlockChange("changed", new_side.name, old_side, new_side, body, details))
    return out


def _block_changes(
    old_blocks: list[Item], new_blocks: list[Item], pairs: list[Pair], base: str
) -> list[BlockChange]:
    """Added, then removed, moved and changed blocks."""
    paired_old = {id(p[0][0]) for p in pairs}
    paired_new = {id(p[1][0]) for p in pairs}
    added = [
        BlockChange("added", s.name, None, s) for i, s in new_blocks if id(i) not in paired_new
    ]
    removed = [
        BlockChange("removed", s.name, s, None) for i, s in old_blocks if id(i) not in paired_old
    ]
    matched = _pair_changes(pairs, base)
    moved = [c for c in matched if c.kind == "moved"]
    return added + removed + moved + [c for c in matched if c.kind == "changed"]


def _flips(pairs: Sequence[Pair]) -> list[VerdictFlip]:
    return [
        VerdictFlip(new.name, old, new)
        for (_, old), (_, new) in pairs
        if old.verdict != new.verdict
    ]


def _variables(old: dict[str, list[str]], new: dict[str, list[str]]) -> list[VariableChange]:
    added = [VariableChange(n, "added", tuple(b)) for n, b in sorted(new.items()) if n not in old]
    gone = [VariableChange(n, "removed", tuple(b)) for n, b in sorted(old.items()) if n not in new]
    return added + gone


def choice_changes(old: Side, new: Side, pairs: Sequence[Pair] = ()) -> tuple[ChoiceChange, ...]:
    """Questions and answers added, removed or renamed, then the matched blocks whose choice
    path changed (`mdrun.diff.choices`)."""
    plans = (old.plan, new.plan)
    if not any(p is not None and p.runbook.questions for p in plans):
        return ()
    from mdrun.diff.choices import path_changes, question_changes

    changes, ids, renames = question_changes(*plans)
    blocks = [(o[0].block, n[0].block) for o, n in pairs]
    return (*changes, *path_changes(blocks, plans, ids, renames))


def compare(
    runbook: str, base: str, old: Side, new: Side, show_secrets: bool = False
) -> RunbookDiff:
    """What differs between the base's plan `old` and the working tree's plan `new`."""
    old_blocks, new_blocks = _blocks(old, show_secrets), _blocks(new, show_secrets)
    pairs = match_blocks(old_blocks, new_blocks)
    old_uses, new_uses = _uses(old), _uses(new)
    diff = RunbookDiff(
        runbook=runbook,
        base=base,
        status="unchanged",
        blocks=tuple(_block_changes(old_blocks, new_blocks, pairs, base)),
        verdicts=tuple(_flips(pairs)),
        reads=tuple(_variables(old_uses.reads, new_uses.reads)),
        exports=tuple(_variables(old_uses.exports, new_uses.exports)),
        files=tuple(new_uses.files_against(old_uses)),
        choices=choice_changes(old, new, pairs),
    )
    return diff._replace(status=_status(old, new, diff))


def _uses(side: Side) -> Uses:
    return runbook_uses(side.plan, side.files)


def _status(old: Side, new: Side, diff: RunbookDiff) -> Status:
    if old.plan is None:
        return "new"
    if new.plan is None:
        return "deleted"
    anything = diff.blocks or diff.verdicts or diff.reads or diff.exports or diff.files
    return "changed" if anything or diff.choices else "unchanged"
