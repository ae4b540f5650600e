"""Loading leaves no reference cycles: what it read is freed when the document is dropped, not
at the garbage collector's next full pass (which, for a big include tree, is the pass that
frees every file read, and made `mdrun expand` of 10000 files grow faster than linearly)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from mdrun.errors import IncludeError
from mdrun.load.loader import load_document
from mdrun.model import LoadOptions

FILES = {
    "run.md": "---\nimports:\n  - lib/setup\n---\n# Run\n\n```bash\necho hi\n"
    '--8<-- "part.md"\n```\n\n:import{lib/more}\n',
    "part.md": "echo part\n",
    "lib/setup.md": "---\ntitle: setup\n---\n```bash\nexport A=1\n```\n",
    "lib/more.md": "```bash\necho more\n```\n",
}


@pytest.fixture
def collector_off() -> Iterator[None]:
    """No automatic collection between the load and the count: it could hide a cycle."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("collector_off")
def test_a_load_with_imports_and_includes_leaves_no_garbage_cycles(
    tree: Callable[[Mapping[str, str]], Path],
) -> None:
    root = tree(FILES)
    document = load_document(str(root), LoadOptions(stores=(str(root.parent),)))
    assert "echo part" in document.text and "export A=1" in document.text
    assert "echo more" in document.text
    del document
    assert gc.collect() == 0


@pytest.mark.usefixtures("collector_off")
def test_a_failed_load_leaves_no_garbage_cycles(
    tree: Callable[[Mapping[str, str]], Path],
) -> None:
    root = tree({**FILES, "part.md": '--8<-- "missing.md"\n'})
    message = ""
    try:
        load_document(str(root), LoadOptions(stores=(str(root.parent),)))
    except IncludeError as exc:
        message = str(exc)
    assert "missing.md" in message
    assert gc.collect() == 0
