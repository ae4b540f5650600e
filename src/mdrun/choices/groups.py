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

import bisect
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import NamedTuple

from mdrun.blocks.tabs import Containers, TabGroup, containers
from mdrun.blocks.tabtitle import TabTitle, parse_title
from mdrun.choices.aprioris import recognise
from mdrun.model import (
    ChoiceGroup,
    ChoiceKind,
    ChoicePath,
    Question,
    RepeatedImport,
    Runbook,
)


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
    repeated: tuple[tuple[str, str], ...] = ()
    """(id, key) of each question madwizard meets again in an import the loader left out as a
    repeat: madwizard numbers them, and its profiles may hold answers under those ids."""

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


def _has_block(group: TabGroup, block_lines: Sequence[int]) -> list[int]:
    """The indices of the tabs that hold an executable block (directly or deeper); `block_lines`
    sorted: the first block after a tab's header line is inside it or none is."""
    found = []
    for i, tab in enumerate(group.tabs):
        after = bisect.bisect_right(block_lines, tab.start)
        if after < len(block_lines) and block_lines[after] < tab.end:
            found.append(i)
    return found


def questions(
    found: Containers,
    block_lines: Collection[int],
    provenance: Callable[[int], Provenance] | None = None,
    repeats: Sequence[RepeatedImport] = (),
    dynamic_alike: bool = False,
) -> Questions:
    """The questions of a scanned document.

    `block_lines` are the 0-based lines where executable fences start; `provenance(line)` tells
    where a line came from (by default: the top of a guidebook with no heading). `repeats` are
    the imports the loader left out as repeats: madwizard numbers their questions again.
    `dynamic_alike` numbers as madwizard does, a dynamic question's answers left out of the
    comparison (the differential test's view; mdrun's own ids compare them).
    """
    where = provenance or (lambda _line: Provenance())
    raw: list[tuple[ChoiceGroup, _Steps, int, tuple[str, ...]]] = []
    ordered = sorted(block_lines)
    for group, path in _walk(found.groups, ()):
        with_blocks = _has_block(group, ordered)
        if with_blocks:
            choice = _choice(group, where(group.tabs[0].start))
            full = tuple(choice.options[i] for i in with_blocks)
            if dynamic_alike and choice.kind == "dynamic":
                full = ()
            raw.append((choice, path, group.tabs[0].start, full))
    # madwizard leaves a dynamic group's answers out of this comparison, so two different
    # dynamic questions in one file share its key and one answer answers both; mdrun
    # compares them like any other group and numbers the second.
    choices = {line: choice for choice, _, line, _ in raw}
    events: list[_Event] = [(line, c.id, full, c.key) for c, _, line, full in raw]
    seen: dict[str, list[object]] = {}
    by_line: dict[int, ChoiceGroup] = {}
    repeated: list[tuple[str, str]] = []
    met = _replay(events, repeats, 0, None, {}) if repeats and events else events
    for line, base, full, key in met:
        numbered = _numbered(base, full, seen)
        if line is None:  # a question of an import left out as a repeat
            repeated.append((numbered, key))
        else:
            by_line[line] = choices[line]._replace(id=numbered)
    asked = tuple(Question(by_line[line], _named(path, by_line), line) for _, path, line, _ in raw)
    return Questions(asked, found, by_line, tuple(repeated))


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
    asked = questions(found, set(lines.values()), provenance, runbook.document.repeats)
    return asked, {index: asked.path_at(line) for index, line in lines.items()}


_Event = tuple[int | None, str, tuple[str, ...], str]
"""A question met: (its line, or None in a repeat; its id before numbering; its answers with
blocks, which tell one question from another; its key)."""


def _replay(
    events: list[_Event],
    repeats: Sequence[RepeatedImport],
    start: int,
    end: int | None,
    done: dict[tuple[int, int], list[_Event]],
) -> list[_Event]:
    """The questions met in lines [start, end) as madwizard's parse meets them: each import left
    out as a repeat asks the questions of its first expansion again, where it stood (`done`
    keeps each first expansion's, as a repeat inside a repeat asks them again)."""
    placed: list[tuple[tuple[int, int], _Event]] = []
    for event in events:
        if (line := event[0]) is not None and start <= line and (end is None or line < end):
            placed.append(((line, 1), event))
    for repeat in repeats:
        if start <= repeat.line and (end is None or repeat.line < end):
            if repeat.first not in done:
                done[repeat.first] = _replay(events, repeats, *repeat.first, done)
            placed.extend(((repeat.line, 0), (None, *e[1:])) for e in done[repeat.first])
    placed.sort(key=lambda item: item[0])  # stable: a repeat's questions keep their order
    return [event for _, event in placed]


def _numbered(base: str, full: tuple[str, ...], seen: dict[str, list[object]]) -> str:
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
