"""Differential: the store's questions and choice paths as madwizard 9.0.7 sees them.

`fixtures/madwizard/choices.json.gz` is madwizard's own parse and compile of the store
(`fixtures/madwizard/make.mjs` regenerates it). Until the loader knows madwizard's imports
(`:import{…}`, frontmatter of included files), some guidebooks do not load or miss blocks; the
tests hold what must already be true (mdrun never gives a question another key, never puts a
block under another choice) and ratchet the counts of exact agreement.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mdrun.blocks.fences import fences
from mdrun.blocks.tabs import containers
from mdrun.choices.groups import Provenance, questions
from mdrun.errors import MdrunError
from mdrun.load.loader import load_document
from mdrun.model import Document, LoadOptions

STORE = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "store" / "guidebooks"
).resolve()
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "madwizard" / "choices.json.gz"
pytestmark = pytest.mark.skipif(not STORE.is_dir(), reason="../shared/store is not here")
EXECUTABLE = re.compile(r"bash|sh|shell|py|python")  # madwizard's isExecutable, unanchored


@cache
def _madwizard() -> dict[str, Any]:
    with gzip.open(FIXTURE, "rt") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@cache
def _lines(path: str) -> list[str]:
    return Path(path).read_text().split("\n")


def _provenance(doc: Document, top: Path) -> Callable[[int], Provenance]:
    """madwizard's view of a line: the imports around it (an `--8<--` is no import)."""

    def imports_at(line: int) -> tuple[tuple[str, str | None], ...]:
        origin = doc.origins[line]
        return tuple(
            (str(Path(origin[k + 1].path).resolve().relative_to(STORE)), None)
            for k, loc in enumerate(origin[:-1])
            if "--8<--" not in _lines(loc.path)[loc.line - 1]
        )

    text = doc.text.split("\n")
    h1 = any(t.startswith("# ") and not imports_at(i) for i, t in enumerate(text))
    document = str(top.relative_to(STORE)) if h1 else None
    return lambda line: Provenance(imports_at(line), document)


def _body_hash(content: str) -> str:
    body = content.strip()
    if body.startswith("---\n") and (end := body.find("\n---", 4)) >= 0:
        body = body[end + 4 :]
    return hashlib.sha1(" ".join(body.split()).encode()).hexdigest()[:12]


def _compare(name: str) -> tuple[set[tuple[str, str]], set[tuple[str, ...]], bool] | None:
    """(our questions, our blocks in choices, whether it loaded whole), or None if it fails."""
    try:
        doc = load_document(str(STORE / name), LoadOptions(base_paths=(str(STORE),)))
    except MdrunError:
        return None
    found = containers(doc.text)
    starts = []
    for fence in fences(found.text):
        language = re.match(r"\{?\.?(\w*)", fence.info)
        if language and EXECUTABLE.search(language.group(1)):
            starts.append(fence.start)
    asked = questions(found, starts, _provenance(doc, STORE / name))
    ours = {(q.group.id, q.group.key) for q in asked.asked}
    blocks = set()
    for fence in fences(found.text):
        enclosing = found.path_at(fence.start)
        if fence.start in starts and enclosing:
            key = []
            for group, i in enclosing:
                choice = asked.by_line[group.tabs[0].start]
                key += [choice.key, choice.options[i]]
            blocks.add((_body_hash(fence.content), *key))
    whole = ":import{" not in doc.text and "{% include" not in doc.text
    return ours, blocks, whole


def _as_madwizard(question: tuple[str, str], theirs: set[tuple[str, str]]) -> tuple[str, str]:
    """madwizard keys a file's second dynamic question like its first; mdrun numbers it."""
    qid, key = question
    plain = (re.sub(r"_\d+$", "", qid), key)
    return plain if question not in theirs and "expand(" in key and plain in theirs else question


def _theirs(name: str) -> tuple[set[tuple[str, str]], set[tuple[str, ...]]]:
    data = _madwizard()
    strings, table, entry = data["strings"], data["blocks"], data["guidebooks"][name]
    qs = {(strings[c], strings[g]) for c, g in entry["questions"]}
    blocks = {(table[i][0], *(strings[x] for x in table[i][1:])) for i in entry["blocks"]}
    return qs, blocks


def test_no_question_gets_a_key_madwizard_does_not_give_it() -> None:
    agree = loaded = 0
    for name in sorted(_madwizard()["guidebooks"]):
        compared = _compare(name)
        if compared is None or not compared[2]:
            continue
        loaded += 1
        ours, theirs = compared[0], _theirs(name)[0]
        ours = {_as_madwizard(q, theirs) for q in ours}
        assert ours <= theirs, (name, sorted(ours - theirs))
        agree += ours == theirs
    assert loaded >= 61
    assert agree >= 58  # the rest miss questions in included files' imports (issue 12)


def test_no_block_sits_under_a_choice_madwizard_does_not_put_it_under() -> None:
    found = total = 0
    missing: dict[str, int] = {}
    for name in sorted(_madwizard()["guidebooks"]):
        compared = _compare(name)
        if compared is None or not compared[2]:
            continue
        ours, theirs = compared[1], _theirs(name)[1]
        bodies = {b[0] for b in theirs}
        stray = {b for b in ours if b[0] in bodies and b not in theirs}
        assert not stray, (name, sorted(stray)[:3])
        found += len(ours & theirs)
        total += len(theirs)
        missing[name] = len(theirs - ours)
    # The rest are in included files' imports, which the loader does not expand yet (issue 12).
    assert found >= 442, (found, total, {k: v for k, v in missing.items() if v})
