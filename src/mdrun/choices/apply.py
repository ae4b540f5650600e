"""The blocks a run executes: chosen branches, `${choice}` in.

Blocks under a tab that was not chosen are left out; the others get madwizard's macros filled in
(`${choice}`, `${uuid}`). A block under a question still without an answer is kept as written
with `keep_open` (the run asks that question when it reaches the block), else it is a bug in
the caller, reported as such.
"""

from __future__ import annotations

import uuid as _uuid
from collections.abc import Callable, Iterable, Mapping, Sequence

from mdrun.choices.branches import branch, choice_value
from mdrun.choices.dynamic import substitute
from mdrun.model import Answer, Block, ChoiceGroup, ChoicePath


def run_id() -> str:
    """One `${uuid}` for a whole run: 12 lowercase letters and digits, as madwizard's are."""
    return _uuid.uuid4().hex[:12]


def chosen_blocks(
    blocks: Iterable[Block],
    path_of: Callable[[Block], ChoicePath],
    groups: Sequence[ChoiceGroup],
    answers: Mapping[str, Answer],
    uuid: str,
    keep_open: bool = False,
) -> tuple[Block, ...]:
    """The blocks on the chosen branches, in order, their bodies with the macros filled in;
    with `keep_open`, also those under a question not answered yet, as written."""
    by_id = {g.id: g for g in groups}
    out = []
    for block in blocks:
        path = path_of(block)
        standing = branch(path, by_id, answers)
        if standing.kind == "not chosen":
            continue
        if standing.kind == "open" and keep_open:
            out.append(block)
            continue
        if standing.kind == "open":
            raise AssertionError(f"block {block.name}: {standing.reason} (settle answers first)")
        body = substitute(block.body, choice_value(path, by_id, answers), uuid)
        out.append(block if body == block.body else block._replace(body=body))
    return tuple(out)
