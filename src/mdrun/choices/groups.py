"""Tab groups → questions: kinds, aprioris, madwizard's keys, and each block's choice path.

madwizard stores an answer under the question's *context* (graph/compile.ts, `groupContext`):
an apriori's own key; else the store path of the import that holds the group (`.md`, a leading
`./` and a trailing `/index` removed, `.GROUP` added for an import with `group:`); else the
guidebook's own path when it has a level-1 heading; else the group key. A second, different
question in the same file gets `_1`, a third `_2` (graph/workaroundMultipleChoicesPerFile.ts;
mdrun also numbers a second *dynamic* question, which madwizard keys like the first).
Groups with no executable block in any tab are not questions (madwizard never builds them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from typing import NamedTuple

from mdrun.blocks.tabs import Containers, TabGroup, containers
from mdrun.blocks.tabtitle import TabTitle, parse_title
from mdrun.choices.aprioris import recognise
from mdrun.model import ChoiceGroup, ChoiceKind, ChoicePath, Question, Runbook


class Provenance(NamedTuple):
    """Where a group sits, for its madwizard key: what the loader knows about a line."""

    imports: tuple[tuple[str, str | None], ...] = ()
    """The enclosing imports, outermost first: (store-relative path, the import's `group:`)."""
    document: str | None = None
    """The guidebook's store-relative path, when it has a level-1 heading; else None."""


class Questions(NamedTuple):
    """The questions of a document, in document order, and the choice path of any line."""

    asked: tuple[Question, ...]
    """Every place a question is asked, in document order."""
    containers: Containers
    """The tab groups they came from."""
    by_line: dict[int, ChoiceGroup]
    """Each question by the line of its group's first tab header."""

    @property
    def groups(self) -> tuple[ChoiceGroup, ...]:
        """Each distinct question once, in order of first appearance."""
        seen: dict[str, ChoiceGroup] = {}
        for question in self.asked:
            seen.setdefault(question.group.id, question.group)
        return tuple(seen.values())

    def path_at(self, line: int) -> ChoicePath:
        """The (question id, answer) pairs a block starting at `line` sits under."""
        return tuple(
            (q.id, q.options[i])
            for g, i in self.containers.path_at(line)
            if (q := self.by_line.get(g.tabs[0].start)) is not None
        )


def canonical(path: str) -> str:
    """A store path as madwizard keys it: `./ml/ray/index.md` → `ml/ray`."""
    path = re.sub(r"^\.?/", "", path.replace(".md", ""))
    return re.sub(r"/index$", "", path)


def context(key: str, where: Provenance) -> str:
    """madwizard's `groupContext` before the per-file `_N` suffix."""
    if key.startswith("madwizard"):
        return key
    if where.imports:
        path, group = where.imports[-1]
        return canonical(canonical(path) + (f".{group}" if group else ""))
    return canonical(where.document) if where.document else key


def _kind(titles: list[TabTitle]) -> ChoiceKind:
    if any(t.expansion is not None for t in titles):
        return "dynamic"
    # madwizard (wizard/index.ts) decides by the first tab.
    if titles[0].default is not None:
        return "form"
    return "multi" if titles[0].multiselect else "select"


def _choice(group: TabGroup, where: Provenance) -> ChoiceGroup:
    titles = [parse_title(t.title) for t in group.tabs]
    names = [t.title for t in titles]
    apriori = recognise(names)
    key = apriori.key if apriori else group.key
    expansion = next((t.expansion for t in titles if t.expansion is not None), None)
    return ChoiceGroup(
        id=context(key, where),
        key=key,
        name=apriori.name if apriori else group.name,
        options=apriori.titles if apriori else tuple(names),
        kind=_kind(titles),
        defaults=tuple(t.default for t in titles),
        command=expansion.command if expansion else None,
        env_key=expansion.env_key if expansion else None,
        message=expansion.message if expansion else None,
    )


_Steps = tuple[tuple[int, int], ...]
"""A path while walking: (first header line of the group, tab index) pairs."""


def _walk(groups: tuple[TabGroup, ...], path: _Steps) -> Iterator[tuple[TabGroup, _Steps]]:
    for group in groups:
        yield group, path
        for i, tab in enumerate(group.tabs):
            yield from _walk(tab.groups, (*path, (group.tabs[0].start, i)))


def _has_block(group: TabGroup, block_lines: Collection[int]) -> list[int]:
    """The indices of the tabs that hold an executable block (directly or deeper)."""
    return [i for i, t in enumerate(group.tabs) if any(t.start < b < t.end for b in block_lines)]


def questions(
    found: Containers,
    block_lines: Collection[int],
    provenance: Callable[[int], Provenance] | None = None,
) -> Questions:
    """The questions of a scanned document.

    `block_lines` are the 0-based lines where executable fences start; `provenance(line)` tells
    where a line came from (by default: the top of a guidebook with no heading).
    """
    where = provenance or (lambda _line: Provenance())
    seen: dict[str, list[object]] = {}
    by_line: dict[int, ChoiceGroup] = {}
    raw: list[tuple[ChoiceGroup, _Steps, int]] = []
    for group, path in _walk(found.groups, ()):
        with_blocks = _has_block(group, block_lines)
        if not with_blocks:
            continue
        choice = _choice(group, where(group.tabs[0].start))
        # madwizard leaves a dynamic group's answers out of this comparison, so two different
        # dynamic questions in one file share its key and one answer answers both; mdrun
        # compares them like any other group and numbers the second.
        full = tuple(choice.options[i] for i in with_blocks)
        choice = choice._replace(id=_numbered(choice.id, full, seen))
        by_line[group.tabs[0].start] = choice
        raw.append((choice, path, group.tabs[0].start))
    asked = tuple(Question(c, _named(path, by_line), line) for c, path, line in raw)
    return Questions(asked, found, by_line)


def block_choices(
    runbook: Runbook,
    found: Containers | None = None,
    provenance: Callable[[int], Provenance] | None = None,
) -> tuple[Questions, dict[int, ChoicePath]]:
    """The questions of an extracted runbook, and each block's choice path by its index.

    `found` is what extraction scanned (scanned again when not given: the scan is
    deterministic). A block's line is found from its origin, unique within a document.
    """
    found = containers(runbook.document.text) if found is None else found
    line_of = {origin: i for i, origin in enumerate(runbook.document.origins)}
    lines = {b.index: line_of[b.origin] for b in runbook.blocks if b.origin in line_of}
    asked = questions(found, set(lines.values()), provenance)
    return asked, {index: asked.path_at(line) for index, line in lines.items()}


def _numbered(base: str, full: object, seen: dict[str, list[object]]) -> str:
    """`base`, or `base_N` for a file's N-th different question (madwizard's workaround)."""
    if base.startswith("madwizard"):
        return base
    if base not in seen:
        seen[base] = [full, 1]
        return base
    first, count = seen[base]
    if first == full:
        return base
    assert isinstance(count, int)
    seen[base][1] = count + 1
    return f"{base}_{count}"


def _named(path: _Steps, by_line: dict[int, ChoiceGroup]) -> ChoicePath:
    """A walk path as (question id, answer) pairs."""
    return tuple((q.id, q.options[i]) for line, i in path if (q := by_line.get(line)) is not None)
