"""markdown-it-pyrs finds the fences markdown-it-py finds: the same info, content, lines,
closedness and heading, on every Markdown file of this repository and the guidebook store,
and on generated documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mdrun.blocks.fences import Fence, fences
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parent.parent
_ORACLE = MarkdownIt("commonmark")


def oracle(text: str) -> list[Fence]:
    """The fences as markdown-it-py reports them."""
    tokens = _ORACLE.parse(text)
    found: list[Fence] = []
    heading: str | None = None
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = tokens[i + 1].content.strip() or heading
        elif token.type == "fence" and token.map is not None:
            start, end = token.map
            lines = token.content.count("\n") + (
                not token.content.endswith("\n") and bool(token.content)
            )
            closed = end - start - 2 == lines
            found.append(Fence(token.info.strip(), token.content, start, end, closed, heading))
    return found


def _documents(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.md") if ".venv" not in p.parts)


@pytest.mark.parametrize("path", _documents(ROOT / "runbooks", ROOT / "snippets", ROOT / "tests"))
def test_the_repository_documents(path: Path) -> None:
    text = path.read_text()
    assert fences(text) == oracle(text)


@pytest.mark.shared("store")
def test_every_guidebook_of_the_store() -> None:
    store = SHARED / "store" / "guidebooks"
    paths = _documents(store)
    assert len(paths) > 150
    for path in paths:
        text = path.read_text()
        assert fences(text) == oracle(text), path
        dedented = "\n".join(line.removeprefix("    ") for line in text.split("\n"))
        assert fences(dedented) == oracle(dedented), path


_PIECES = st.sampled_from(
    [
        "```",
        "~~~",
        "````",
        "```sh",
        "```bash {name=x}",
        "~~~ python",
        "# Title",
        "## Two #",
        "Setext",
        "===",
        "---",
        "- item",
        "1. step",
        "   ```sh",
        "  ```",
        "> ```sh",
        "> echo",
        ">",
        "    indented",
        "echo $X",
        "",
        "",
        "\t```",
        "text `inline`",
        "#",
        "# #",
        "<div>",
        "</div>",
        "\\```",
        "```` ```",
        "é 👉",
        "   ",
        "* * *",
        "  - sub",
        "    ```bash",
        "    echo",
        "    ```",
        '=== "Linux"',
        "\t",
        "  > ```",
        "<!-- x -->",
        "  ~~~",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=14), st.booleans())
def test_generated_documents(lines: list[str], newline_at_end: bool) -> None:
    text = "\n".join(lines) + ("\n" if newline_at_end else "")
    assert fences(text) == oracle(text)
