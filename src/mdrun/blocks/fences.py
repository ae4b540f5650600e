"""Find the fenced code blocks of a Markdown text, as a CommonMark renderer would see them.

The only module that imports markdown_it. Fences come back with their line range in the
parsed text, so that callers can map every content line to its origin even when markdown-it
strips a list item's indentation or a blockquote's `>` from the content.
"""

from __future__ import annotations

from typing import NamedTuple

from markdown_it import MarkdownIt


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


_PARSER = MarkdownIt("commonmark").disable(["inline", "text_join"])
"""Only block structure matters: inline parsing (emphasis, links...) is off, and headings keep
their raw source text in `inline.content`."""


def fences(text: str) -> list[Fence]:
    """Every fenced code block of `text` (backticks or tildes), in document order."""
    tokens = _PARSER.parse(text)
    found: list[Fence] = []
    heading: str | None = None
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            heading = tokens[i + 1].content.strip() or heading
        elif token.type == "fence" and token.map is not None:
            start, end = token.map
            # A closed fence spans its content plus the opening and closing lines.
            closed = end - start - 2 == _count_lines(token.content)
            found.append(Fence(token.info.strip(), token.content, start, end, closed, heading))
    return found
