"""An extracted runbook → the same runbook with its questions and each block's choice path.

`load_guidebook` is what `list`, `plan` and `run` load: the tab groups and admonitions are
scanned once, with the guidebook's title and the import chain of every line (the loader's
`imports:` sites, `blocks.extract.line_imports`), so that each question gets madwizard's id and
a readable name; `blocks.extract` then finds the fences in the text that scan dedented. A
document with no tab or admonition header is extracted as it is, and the scanning modules are
then not even imported (`mdrun list` and `plan` of the seed start as before).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from mdrun.blocks.extract import extract_blocks, line_imports
from mdrun.load.files import LOCAL, Files
from mdrun.load.loader import load_document
from mdrun.model import Document, LoadOptions, Runbook

if TYPE_CHECKING:
    from mdrun.blocks.tabs import Containers
    from mdrun.choices.groups import Provenance

ImportChain = tuple[tuple[str, str | None], ...]
"""The imports around a line, outermost first: (madwizard's name, the entry's `group:`)."""


def has_containers(text: str) -> bool:
    """Whether the text may hold a tab group or an admonition (a cheap test before scanning)."""
    return "===" in text or "!!!" in text or "???" in text


def title_of(document: Document) -> str | None:
    """The guidebook's title: its frontmatter `title:`, else None."""
    title = document.frontmatter.get("title")
    return title if isinstance(title, str) and title.strip() else None


def import_chain(document: Document) -> Callable[[int], ImportChain]:
    """`chain(line)`: the imports 0-based `line` came through, as madwizard names them."""
    return lambda line: tuple((s.name, s.group) for s in line_imports(document, line))


def store_name(path: str, options: LoadOptions) -> str:
    """The runbook below the first store, base path or its own directory that holds it."""
    roots = (*options.stores, *options.base_paths, os.path.dirname(path) or ".")
    real = os.path.realpath(path)
    for root in (os.path.realpath(r) for r in roots):
        if real.startswith(root + os.sep):
            return os.path.relpath(real, root)
    return path


def provenance_of(
    document: Document, chain: Callable[[int], ImportChain], options: LoadOptions
) -> Callable[[int], Provenance]:
    """madwizard's view of a line: the imports around it and, when the guidebook has a level-1
    heading of its own, its store path."""
    from mdrun.choices.groups import Provenance

    lines = document.text.split("\n")
    own_h1 = any(t.startswith("# ") and not chain(i) for i, t in enumerate(lines))
    path = store_name(document.path, options) if own_h1 else None
    return lambda line: Provenance(chain(line), path)


def with_choices(runbook: Runbook, options: LoadOptions, found: Containers) -> Runbook:
    """`runbook` with `questions` and every block's `choices` filled in, from `found`: the
    `scan` of its document."""
    from mdrun.choices.groups import block_choices

    document = runbook.document
    chain = import_chain(document)
    asked, paths = block_choices(runbook, found, provenance_of(document, chain, options))
    collapsed = _in_collapsed(runbook, found)
    blocks = tuple(
        b._replace(
            choices=paths.get(b.index, ()),
            options=b.options._replace(optional=True) if b.index in collapsed else b.options,
        )
        for b in runbook.blocks
    )
    return runbook._replace(blocks=blocks, questions=asked.asked)


def scan(document: Document) -> Containers:
    """The document's tab groups and admonitions, named as madwizard names them, and its text
    with their bodies dedented."""
    # The stage's one lazy import: a runbook without tabs (the seed's) loads none of this.
    from mdrun.blocks.tabs import containers

    return containers(document.text, title=title_of(document), scope=import_chain(document))


def _in_collapsed(runbook: Runbook, found: Containers) -> set[int]:
    """The blocks inside a closed `???` admonition: optional, as madwizard makes them (a
    failure is reported and the run goes on)."""
    line_of = {origin: i for i, origin in enumerate(runbook.document.origins)}
    return {
        b.index
        for b in runbook.blocks
        if (line := line_of.get(b.origin)) is not None
        and any(a.kind == "???" for a in found.admonitions_at(line))
    }


def load_guidebook(path: str, options: LoadOptions, files: Files = LOCAL) -> Runbook:
    """`blocks.extract.load_runbook` (reading from `files`), then the questions the guidebook
    asks (its containers scanned once for both)."""
    document = load_document(path, options, files)
    if not has_containers(document.text):
        return extract_blocks(document)
    found = scan(document)
    return with_choices(extract_blocks(document, found.text), options, found)
