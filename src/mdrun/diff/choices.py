"""The questions of two plans of one runbook → the `ChoiceChange`s between them.

Questions are matched by id (madwizard's key) and readable name, then by name, then by id with
an answer in common: a question whose id is its group key (the answers joined with `####`) gets
another id when a tab is renamed or added, and ids numbered by their place in a file shift, yet
it is still the same question to a reader. Within a matched question an answer missing
on one side and new on the other is `renamed` when the same blocks sit under both (bodies
compared); other answers are added or removed. A block
matched on both sides whose choice path changed (once renamed answers and re-keyed questions
are mapped across) is reported with both paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from mdrun.diff.changes import ChoiceChange, ChoiceChangeKind
from mdrun.model import Block, ChoiceGroup, ChoicePath, Plan
from mdrun.render.questions import path_text

Renames = dict[tuple[str, str], tuple[str, str]]
"""(base question id, base answer) → (working tree's question id, answer)."""


def _groups(plan: Plan | None) -> dict[str, ChoiceGroup]:
    if plan is None:
        return {}
    return {q.group.id: q.group for q in plan.runbook.questions}


def match_questions(
    old: Mapping[str, ChoiceGroup], new: Mapping[str, ChoiceGroup]
) -> dict[str, str]:
    """Base question id → the working tree's id of the same question: same id and name; else
    the same name; else the same id with an answer in common (ids numbered `_1`, `_2` by their
    place in the file shift when a question is added before them)."""
    pairs: dict[str, str] = {}
    rules: tuple[Callable[[ChoiceGroup, ChoiceGroup], bool], ...] = (
        lambda o, n: o.id == n.id and o.name == n.name,
        lambda o, n: o.name == n.name,
        lambda o, n: o.id == n.id and bool(set(o.options) & set(n.options)),
    )
    for same in rules:
        taken = set(pairs.values())
        for qid, group in old.items():
            if qid in pairs:
                continue
            match = next((n for n, g in new.items() if n not in taken and same(group, g)), None)
            if match is not None:
                pairs[qid] = match
                taken.add(match)
    return pairs


def _bodies(plan: Plan | None, qid: str, answer: str) -> frozenset[str]:
    """The bodies of the blocks directly under answer `answer` of question `qid`."""
    if plan is None:
        return frozenset()
    return frozenset(
        p.block.body
        for p in plan.blocks
        if p.block.choices and p.block.choices[-1] == (qid, answer)
    )


def _answer_changes(
    old: ChoiceGroup, new: ChoiceGroup, plans: tuple[Plan | None, Plan | None], renames: Renames
) -> list[ChoiceChange]:
    gone = [a for a in old.options if a not in new.options]
    fresh = [a for a in new.options if a not in old.options]
    renamed: list[tuple[str, str]] = []
    for answer in list(gone):
        under = _bodies(plans[0], old.id, answer)
        twin = next((a for a in fresh if under and _bodies(plans[1], new.id, a) == under), None)
        if twin is not None:
            renamed.append((answer, twin))
            gone.remove(answer)
            fresh.remove(twin)
    out = []
    for was, now in renamed:
        renames[(old.id, was)] = (new.id, now)
        out.append(_change("answer renamed", new, f"{was!r} → {now!r}", now, was))
    out += [_change("answer added", new, f"{a!r}", a) for a in fresh]
    out += [_change("answer removed", new, f"{a!r}", None, a) for a in gone]
    return out


def _change(
    kind: ChoiceChangeKind,
    group: ChoiceGroup,
    detail: str,
    answer: str | None = None,
    was: str | None = None,
) -> ChoiceChange:
    return ChoiceChange(kind, group.id, group.name, detail, answer, was)


def _offers(group: ChoiceGroup) -> str:
    return " | ".join(group.options)


def question_changes(
    old_plan: Plan | None, new_plan: Plan | None
) -> tuple[list[ChoiceChange], dict[str, str], Renames]:
    """Questions added and removed, then answers renamed, added and removed; with the map of
    question ids and the renamed answers, for comparing block paths."""
    old, new = _groups(old_plan), _groups(new_plan)
    ids = match_questions(old, new)
    matched = set(ids.values())
    out = [_change("question added", g, _offers(g)) for q, g in new.items() if q not in matched]
    out += [_change("question removed", g, _offers(g)) for q, g in old.items() if q not in ids]
    renames: Renames = {}
    for old_id, new_id in ids.items():
        out += _answer_changes(old[old_id], new[new_id], (old_plan, new_plan), renames)
    return out, ids, renames


def _mapped(path: ChoicePath, ids: Mapping[str, str], renames: Renames) -> ChoicePath:
    """A base choice path in the working tree's ids and answer names."""
    return tuple(renames.get((q, a), (ids.get(q, q), a)) for q, a in path)


def shown_path(path: ChoicePath, groups: Mapping[str, ChoiceGroup]) -> str:
    """The path as the plan shows it (`"Install jq" = Linux > "Pick a shell" = zsh`), or
    `outside every choice`."""
    if not path:
        return "outside every choice"
    return path_text(path, {qid: group.name for qid, group in groups.items()})


def path_changes(
    pairs: Sequence[tuple[Block, Block]],
    plans: tuple[Plan | None, Plan | None],
    ids: Mapping[str, str],
    renames: Renames,
) -> list[ChoiceChange]:
    """Matched blocks (base, working tree) whose choice path changed."""
    old_groups, new_groups = _groups(plans[0]), _groups(plans[1])
    out = []
    for old, new in pairs:
        if _mapped(old.choices, ids, renames) == new.choices:
            continue
        before, after = shown_path(old.choices, old_groups), shown_path(new.choices, new_groups)
        qid, name = _innermost(new.choices, new_groups) or _innermost(old.choices, old_groups)
        detail = f"block {new.name!r}: was under {before}, now under {after}"
        out.append(ChoiceChange("block path changed", qid, name, detail, block=new.name))
    return out


def _innermost(path: ChoicePath, groups: Mapping[str, ChoiceGroup]) -> tuple[str, str]:
    """The innermost question of `path` (its id and name), or `("", "")`."""
    if not path:
        return "", ""
    qid = path[-1][0]
    return qid, groups[qid].name if qid in groups else qid
