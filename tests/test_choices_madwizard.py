"""Differential: the store's questions and choice paths as madwizard 9.0.7 sees them.

`fixtures/madwizard/choices.json.gz` is madwizard's own parse and compile of the store
(`fixtures/madwizard/make.mjs` regenerates it). For every guidebook in it the tests hold that
mdrun gives every question madwizard's key and id and puts every block under madwizard's
choices, and ratchet the counts. Two documented differences are taken out, exactly: mdrun
numbers a second dynamic question of a file (`questions(dynamic_alike=True)` numbers as
madwizard does), and mdrun resolves a `--8<--` written in an included file against the base
paths (README, difference 7: the tests read a copy of the store where those lines name the file
madwizard reads).
"""

from __future__ import annotations

import atexit
import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from mdrun.blocks.fences import fences
from mdrun.blocks.tabs import containers
from mdrun.choices.groups import questions
from mdrun.choices.wire import import_chain, load_guidebook, provenance_of
from mdrun.errors import MdrunError
from mdrun.load.guidebooks import alternatives
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
def _text(path: str) -> str:
    return Path(path).read_text()


def _body_hash(content: str) -> str:
    body = content.strip()
    if body.startswith("---\n") and (end := body.find("\n---", 4)) >= 0:
        body = body[end + 4 :]
    return hashlib.sha1(" ".join(body.split()).encode()).hexdigest()[:12]


SNIPPET = re.compile(r'\s*-+8<-+\s+"(\.[^"]*)"\s*$')
"""A `--8<--` line naming a `./` or `../` path (madwizard reads other names from the store)."""


def _own_directory_includes(doc: Document) -> dict[tuple[str, int], str]:
    """The `--8<--` lines that name another file when read from the directory of the file they
    are written in, as madwizard reads them (README, difference 7): (path, line) → that file,
    below the store."""
    found = {}
    for origin in set(doc.origins):
        for outer, inner in pairwise(origin):
            match = SNIPPET.match(_text(outer.path).split("\n")[outer.line - 1])
            if match is None:
                continue
            here = os.path.join(os.path.dirname(outer.path), match[1])
            own = next((c for c in alternatives(here) if os.path.isfile(c)), None)
            if own and os.path.realpath(own) != os.path.realpath(inner.path):
                found[(outer.path, outer.line)] = os.path.relpath(os.path.realpath(own), STORE)
    return found


@cache
def _rewritten() -> dict[tuple[str, int], str]:
    """Every such line of the guidebooks compared."""
    found: dict[tuple[str, int], str] = {}
    for name in _madwizard()["guidebooks"]:
        try:
            found.update(_own_directory_includes(_load(STORE, name)))
        except MdrunError:
            continue
    return found


@cache
def _store() -> Path:
    """A copy of the store whose difference-7 lines name, from the store, what madwizard reads."""
    root = Path(tempfile.mkdtemp(prefix="mdrun-choices-store-")) / "guidebooks"
    atexit.register(shutil.rmtree, root.parent, True)
    shutil.copytree(STORE, root)
    for (path, line), target in _rewritten().items():
        copy = root / os.path.relpath(os.path.realpath(path), STORE)
        lines = copy.read_text().split("\n")
        lines[line - 1] = re.sub(r'"[^"]*"', f'"{target}"', lines[line - 1])
        copy.write_text("\n".join(lines))
    return root


def _load(store: Path, name: str) -> Document:
    return load_document(str(store / name), LoadOptions(stores=(str(store),)))


def _compare(name: str) -> tuple[set[tuple[str, str]], set[tuple[str, ...]]] | None:
    """(our questions, numbered as madwizard numbers them; our blocks in choices), or None if
    it fails to load."""
    store = _store()
    try:
        doc = _load(store, name)
    except MdrunError:
        return None
    found = containers(doc.text)
    starts = []
    for fence in fences(found.text):
        language = re.match(r"\{?\.?(\w*)", fence.info)
        if language and EXECUTABLE.search(language.group(1)):
            starts.append(fence.start)
    where = provenance_of(doc, import_chain(doc), LoadOptions(stores=(str(store),)))
    asked = questions(found, starts, where, doc.repeats, dynamic_alike=True)
    # madwizard's parse keeps an import the loader leaves out as a repeat, and numbers its
    # questions again: those ids are theirs too.
    ours = {(q.group.id, q.group.key) for q in asked.asked} | set(asked.repeated)
    blocks = set()
    for fence in fences(found.text):
        enclosing = found.path_at(fence.start)
        if fence.start in starts and enclosing:
            key = []
            for group, i in enclosing:
                choice = asked.by_line[group.tabs[0].start]
                key += [choice.key, choice.options[i]]
            blocks.add((_body_hash(fence.content), *key))
    return ours, blocks


def _theirs(name: str) -> tuple[set[tuple[str, str]], set[tuple[str, ...]]]:
    data = _madwizard()
    strings, table, entry = data["strings"], data["blocks"], data["guidebooks"][name]
    qs = {(strings[c], strings[g]) for c, g in entry["questions"]}
    blocks = {(table[i][0], *(strings[x] for x in table[i][1:])) for i in entry["blocks"]}
    return qs, blocks


def test_no_question_gets_a_key_or_id_madwizard_does_not_give_it() -> None:
    loaded = 0
    for name in sorted(_madwizard()["guidebooks"]):
        compared = _compare(name)
        assert compared is not None, name
        loaded += 1
        assert compared[0] == _theirs(name)[0], name
    # 2026-12-01: every guidebook madwizard asks anything in (69 before imports inside tabs and
    # repeated imports were compared).
    assert loaded == len(_madwizard()["guidebooks"]) >= 121


def test_the_difference_taken_out_is_only_readme_difference_7() -> None:
    """The lines the copy rewrites: in the store only ml/ray/cluster/connect.md's `./kubernetes`
    tab, which ml/ray/start/local.md includes (README, difference 7)."""
    sites = {(os.path.relpath(path, STORE), line): to for (path, line), to in _rewritten().items()}
    assert sites == {("ml/ray/cluster/connect.md", 16): "ml/ray/cluster/kubernetes/index.md"}


def test_no_block_sits_under_a_choice_madwizard_does_not_put_it_under() -> None:
    found = total = 0
    for name in sorted(_madwizard()["guidebooks"]):
        compared = _compare(name)
        assert compared is not None, name
        ours, theirs = compared[1], _theirs(name)[1]
        bodies = {b[0] for b in theirs}
        stray = {b for b in ours if b[0] in bodies and b not in theirs}
        assert not stray, (name, sorted(stray)[:3])
        found += len(ours & theirs)
        total += len(theirs)
    # 2026-12-01: all 11025 blocks in choices of the 121 guidebooks (706 of 69 before).
    assert found == total >= 11025, (found, total)


def _listed(name: str) -> set[tuple[str, ...]]:
    """What `mdrun list` and `plan` see: the blocks `load_guidebook` gives, with their paths."""
    store = _store()
    runbook = load_guidebook(str(store / name), LoadOptions(stores=(str(store),)))
    keys = {q.group.id: q.group.key for q in runbook.questions}
    return {
        (_body_hash(b.body), *(x for qid, answer in b.choices for x in (keys[qid], answer)))
        for b in runbook.blocks
        if b.choices
    }


def test_the_integrated_loader_gives_blocks_madwizards_choice_paths() -> None:
    """What `mdrun list` and `plan` load agrees with madwizard on every block in a choice."""
    found = total = 0
    for name in sorted(_madwizard()["guidebooks"]):
        ours = _listed(name)
        theirs = _theirs(name)[1]
        bodies = {b[0] for b in theirs}
        assert not {b for b in ours if b[0] in bodies and b not in theirs}, name
        found += len(ours & theirs)
        total += len(theirs)
    # 2026-12-01: all 11025 blocks in choices of the 121 guidebooks (706 of 69 before).
    assert found == total >= 11025, (found, total)
