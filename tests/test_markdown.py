"""Fences as markdown-it sees them, with line ranges that map back to the source text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdrun.blocks.fences import fences

F = "```"


def test_fences_in_document_order_with_info_and_heading() -> None:
    text = f"# Top\n\n{F}sh\none\n{F}\n\n## Second *part*\n\n~~~ bash {{name=x}} \ntwo\n~~~\n"
    found = fences(text)
    assert [f.info for f in found] == ["sh", "bash {name=x}"]
    assert [f.content for f in found] == ["one\n", "two\n"]
    assert [f.heading for f in found] == ["Top", "Second *part*"]
    assert [(f.start, f.end, f.closed) for f in found] == [(2, 5, True), (8, 11, True)]


def test_setext_heading_and_no_heading() -> None:
    assert fences(f"{F}\nx\n{F}\n")[0].heading is None
    assert fences(f"Title\n=====\n\n{F}\nx\n{F}\n")[0].heading == "Title"


def test_indented_code_and_inline_backticks_are_not_fences() -> None:
    assert fences(f"    {F}sh\n    echo\n\nsome `{F}sh` inline\n") == []


@pytest.mark.parametrize(
    ("text", "content"),
    [
        (f"{F}sh\necho\n", "echo\n"),
        (f"{F}sh\necho", "echo"),
        (f"{F}sh", ""),
        (f"{F}sh\necho\n\n\n", "echo\n\n\n"),
        (f"> {F}sh\n> echo\n\nafter\n", "echo\n"),
        (f"1. step\n\n   {F}sh\n   echo\n{F}\n", "echo\n"),
        (f"{F}sh\n``\n", "``\n"),
        (f"````sh\n{F}\n", f"{F}\n"),
    ],
)
def test_unterminated_fences_are_detected(text: str, content: str) -> None:
    fence = fences(text)[0]
    assert not fence.closed
    assert fence.content == content


@pytest.mark.parametrize(
    "text",
    [f"{F}sh\n{F}\n", f"{F}sh\necho\n{F}", f"````sh\n{F}\n`````\n", "~~~sh\nx\n~~~~\n"],
)
def test_closed_fences(text: str) -> None:
    assert fences(text)[0].closed


def test_list_item_content_is_deindented_but_lines_still_map() -> None:
    text = f"- step\n\n  {F}bash\n  echo a\n    nested\n  {F}\n"
    fence = fences(text)[0]
    lines = text.split("\n")
    assert fence.content == "echo a\n  nested\n"
    for i, line in enumerate(fence.content.splitlines()):
        assert lines[fence.content_start + i].endswith(line)


LINE = st.text(alphabet="abc $#{}-'\"", max_size=12).filter(lambda s: "`" not in s)
CONTAINER = st.sampled_from(["", "> ", "- ", "1. ", "   "])


@settings(max_examples=200, deadline=None)
@given(
    before=st.lists(st.sampled_from(["# H", "text", "", "- item", "> quote"]), max_size=4),
    body=st.lists(LINE, max_size=6),
    container=CONTAINER,
)
def test_content_lines_map_to_source_lines(
    before: list[str], body: list[str], container: str
) -> None:
    """Whatever the container, content line i is the tail of source line content_start + i."""
    pad = " " * len(container) if container in ("- ", "1. ") else container
    fence_lines = [f"{container}{F}sh", *(pad + line for line in body), f"{pad}{F}"]
    text = "\n".join([*before, "", *fence_lines, ""])
    found = [f for f in fences(text) if f.info == "sh"]
    assert len(found) == 1
    fence = found[0]
    assert fence.closed
    lines = text.split("\n")
    assert lines[fence.start].endswith(f"{F}sh")
    assert fence.line_count == len(body)
    for i, line in enumerate(fence.content.split("\n")[: fence.line_count]):
        assert lines[fence.content_start + i].endswith(line)
        assert line.strip() == body[i].strip()
