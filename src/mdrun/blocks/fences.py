"""Find the fenced code blocks of a Markdown text, as a CommonMark renderer would see them.

The only module that parses Markdown. It uses markdown-it-pyrs, the Rust port of markdown-it
(by markdown-it-py's maintainer): the same CommonMark block rules at a fraction of the import
cost (bench/RESULTS.md); tests/test_fences_differential.py holds it to markdown-it-py's fences.
Fences come back with their line range in the parsed text, so that callers can map every
content line to its origin even when a list item's indentation or a blockquote's `>` is
stripped from the content.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from markdown_it_pyrs import MarkdownIt, Node


class Fence(NamedTuple):
    """One fenced code block, in document order."""

    info: str
    """The info string after the opening backticks or tildes, stripped."""
    content: str
    """The fence's content with container indentation removed; each line ends with `\\n`."""
    start: int
    """0-based index (in `text.split("\\n")`) of the opening fence line."""
    end: int
    """0-based index one past the fence's last line (its closing fence when it has one)."""
    closed: bool
    """False when no closing fence was found: markdown-it ran the fence to the end of the
    document or of its container (list item, blockquote)."""
    heading: str | None
    """Raw text of the nearest heading above the fence, if any."""

    @property
    def content_start(self) -> int:
        """0-based index of the fence's first content line."""
        return self.start + 1

    @property
    def line_count(self) -> int:
        """Number of content lines."""
        return _count_lines(self.content)


def _count_lines(content: str) -> int:
    # The last line of an unterminated fence at the end of a text lacks its newline.
    return content.count("\n") + (1 if content and not content.endswith("\n") else 0)


_PARSER = MarkdownIt("zero").enable_many(
    [
        "blockquote",
        "code",
        "fence",
        "heading",
        "hr",
        "lheading",
        "list",
        "paragraph",
        "reference",
        "html_block",
    ]
)
"""CommonMark's block rules alone: fences and headings need no inline parsing."""

_ATX_OPEN = re.compile(r"^[ ]{0,3}#{1,6}")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")


def fences(text: str) -> list[Fence]:
    """Every fenced code block of `text` (backticks or tildes), in document order."""
    last = text.rfind("\n") + 1
    if not text[last:].strip(" \t"):
        text = text[:last]  # a blank last line without its newline is no line to CommonMark
    data = text.encode()
    lines = _Lines(data)
    found: list[Fence] = []
    heading: str | None = None
    for node in _PARSER.tree(text).walk():
        if node.name in ("heading", "lheading"):
            heading = _heading_text(node, data) or heading
        elif node.name == "fence" and node.srcmap is not None:
            found.append(_fence(node, node.srcmap, lines, heading))
    return found


def _fence(node: Node, srcmap: tuple[int, int], lines: _Lines, heading: str | None) -> Fence:
    data = lines.data
    start, end = lines.range(srcmap)
    content = str(node.meta.get("content", ""))
    # A closed fence spans its content plus the opening and closing lines.
    closed = end - start - 2 == _count_lines(content)
    if not closed:
        if srcmap[1] == len(data) and not data.endswith(b"\n"):
            content = content.removesuffix("\n")  # the text's last line has none
        end = start + 1 + _count_lines(content)  # the blank lines it runs over are its own
    info = str(node.meta.get("info", "")).strip()
    return Fence(info, content, start, end, closed, heading)


class _Lines:
    """Line numbers of byte offsets in `data`, asked in document order: each answer counts on
    from the last one (counting from the start each time made a document with many fences
    quadratic: an expanded store guidebook has thousands of lines and hundreds of fences)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._offset = self._line = 0

    def at(self, offset: int) -> int:
        """The 0-based line holding byte `offset`."""
        if offset < self._offset:
            self._offset = self._line = 0
        self._line += self.data.count(b"\n", self._offset, offset)
        self._offset = offset
        return self._line

    def range(self, srcmap: tuple[int, int]) -> tuple[int, int]:
        """0-based first line and one past the last line of a node's byte range."""
        begin, finish = srcmap
        first = self.at(begin)
        return first, (self.at(finish - 1) + 1 if finish > begin else first + 1)


def _heading_text(node: Node, data: bytes) -> str:
    """A heading's raw text, as written between its markers (inline markup kept)."""
    if node.srcmap is None:
        return ""
    source = data[node.srcmap[0] : node.srcmap[1]].decode()
    if node.name == "lheading":  # setext: the text lines above the underline
        return "\n".join(source.rstrip("\n").split("\n")[:-1]).strip()
    line = _ATX_OPEN.sub("", source.split("\n", 1)[0], count=1)
    return _ATX_CLOSE.sub("", line).strip()
