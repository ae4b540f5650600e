"""Shell fences → blocks: attributes, names, per-line origins through include chains.

Documents are built by hand (text plus one origin per line), as the loader would produce them,
so that these tests exercise block extraction alone.
"""

from __future__ import annotations

import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdrun.blocks.extract import extract_blocks, parse_info, slugify
from mdrun.errors import BlockError
from mdrun.model import BlockOptions, Document, Origin, SourceLocation

F = "```"
HERE = SourceLocation("rb.md", 7)


def loc(path: str, line: int) -> SourceLocation:
    return SourceLocation(path, line)


def segment(path: str, text: str, first: int = 1, via: Origin = ()) -> list[tuple[str, Origin]]:
    """Lines of `text`, written in `path` from line `first`, reached through `via`."""
    return [(line, (*via, loc(path, first + i))) for i, line in enumerate(text.split("\n"))]


def document(*segments: list[tuple[str, Origin]]) -> Document:
    pairs = [pair for seg in segments for pair in seg]
    return Document("rb.md", "\n".join(t for t, _ in pairs), tuple(o for _, o in pairs))


def single(text: str) -> Document:
    return document(segment("rb.md", text))


# --- info strings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ("shell", ("shell", BlockOptions())),
        ("sh", ("sh", BlockOptions())),
        ("bash", ("bash", BlockOptions())),
        ("shell.async", ("shell", BlockOptions(is_async=True))),
        ("  bash   ", ("bash", BlockOptions())),
        ("bash {}", ("bash", BlockOptions())),
        ("bash{pty=yes}", ("bash", BlockOptions(pty=True))),
        (
            "bash {name=gpu async=true pty=true timeout=30s}",
            ("bash", BlockOptions(name="gpu", is_async=True, pty=True, timeout=30.0)),
        ),
        (
            (
                "shell.async { restart=on-failure max-restarts=0 ready='http://x:8/?a=b' "
                "ready-timeout=2m required=1 }"
            ),
            (
                "shell",
                BlockOptions(
                    is_async=True,
                    restart="on-failure",
                    max_restarts=0,
                    ready="http://x:8/?a=b",
                    ready_timeout=120.0,
                    required=True,
                ),
            ),
        ),
        (
            """sh {when='[ "${NUM_GPUS-0}" -gt 0 ]' cwd="my dir" timeout=500ms}""",
            ("sh", BlockOptions(when='[ "${NUM_GPUS-0}" -gt 0 ]', cwd="my dir", timeout=0.5)),
        ),
        ("bash {allow-failure=no finally=TRUE timeout=1h}", None),
        ("bash {async=false}", ("bash", BlockOptions())),
    ],
)
def test_parse_info_accepts(info: str, expected: tuple[str, BlockOptions] | None) -> None:
    if expected is None:
        expected = ("bash", BlockOptions(allow_failure=False, cleanup=True, timeout=3600.0))
    assert parse_info(info, HERE) == expected


@pytest.mark.parametrize(
    "info", ["", "console", "text", "yaml", "json", "shell-session", "zsh", "Bash"]
)
def test_other_fences_are_not_blocks(info: str) -> None:
    assert parse_info(info, HERE) is None


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ("bash {colour=red}", r"unknown block attribute 'colour' \(known: name, async, pty"),
        ('bash {name="x}', "unterminated quote"),
        ("bash {name=x", "unbalanced braces"),
        ("bash {name=x}}", "unbalanced braces"),
        ("bash {name=x} pty=true", "unexpected 'pty=true' after the block attributes"),
        ("bash {when=${X}}", "unbalanced braces"),
        ("bash {async}", "'async' needs a value"),
        ("bash {name=x,pty=true}", "name"),
        ("bash {timeout=soon}", "bad value 'soon' for block attribute 'timeout'"),
        ("bash {timeout=0}", "positive duration"),
        ("bash {timeout=-3s}", "timeout"),
        ("bash {pty=maybe}", "bad value 'maybe' for block attribute 'pty'"),
        ("shell.async {restart=sometimes}", "restart.*no, on-failure, always"),
        ("shell.async {max-restarts=-1}", "max-restarts"),
        ("bash {name=a name=b}", "given twice"),
        ("bash {name='has space'}", "name"),
        ("bash {cwd=''}", "non-empty"),
        ("bash {restart=always}", "'restart' applies to async blocks"),
        ("bash {ready=ok}", "'ready' applies to async blocks"),
        (
            "shell.async {ready='up ('}",
            r"bad value 'up \(' for block attribute 'ready': not a valid",
        ),
        ("shell.async {finally=true}", "'finally' applies to sync blocks"),
        (
            "shell.async {required=true allow-failure=true}",
            r"required=true \(its end fails the run\) contradicts allow-failure=true",
        ),
        ("bash {async=yes finally=yes}", "'finally' applies to sync blocks"),
        ("shell.async {async=false}", "contradicts"),
        ("shell.sync", r"unknown fence suffix '\.sync'"),
        ('bash title="x"', "attributes go in braces"),
    ],
)
def test_parse_info_rejects_with_location(info: str, message: str) -> None:
    via = (loc("rb.md", 3), loc("inc.md", 5))
    with pytest.raises(BlockError) as err:
        parse_info(info, via)
    assert re.search(message, err.value.message), err.value.message
    assert err.value.location == loc("inc.md", 5)
    assert err.value.chain == (loc("rb.md", 3),)
    assert str(err.value).startswith("inc.md:5: ")


VALUE = st.text(alphabet="ab $-_/:?=.{}[]\"'", min_size=1, max_size=12).filter(
    lambda v: v.strip() and not ('"' in v and "'" in v)
)


def quoted(value: str) -> str:
    return f"'{value}'" if '"' in value else f'"{value}"'


def _compiles(pattern: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "possible nested set": still valid
            re.compile(pattern)
    except re.error:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(
    is_async=st.booleans(),
    pty=st.booleans(),
    timeout=st.none() | st.integers(1, 10_000),
    cwd=st.none() | VALUE,
    when=st.none() | VALUE,
    ready=st.none() | VALUE.filter(_compiles),  # a ready= regex must compile
)
def test_parse_info_round_trips_quoted_values(
    is_async: bool,
    pty: bool,
    timeout: int | None,
    cwd: str | None,
    when: str | None,
    ready: str | None,
) -> None:
    """Any value a user quotes comes back exactly, whatever braces or `=` it holds."""
    if not is_async:
        ready = None
    attrs = {"pty": str(pty).lower(), "timeout": None if timeout is None else f"{timeout}ms"}
    attrs.update(cwd=cwd, when=when, ready=ready)
    parts = [
        f"{k}={quoted(v) if k in ('cwd', 'when', 'ready') else v}" for k, v in attrs.items() if v
    ]
    info = ("shell.async" if is_async else "bash") + " {" + " ".join(parts) + "}"
    expected = BlockOptions(
        is_async=is_async,
        pty=pty,
        timeout=None if timeout is None else timeout / 1000,
        cwd=cwd,
        when=when,
        ready=ready,
    )
    assert parse_info(info, HERE) == ("shell" if is_async else "bash", expected)


# --- extraction and origins ---------------------------------------------------------------


def test_blocks_in_order_with_modes_and_bodies() -> None:
    text = (
        f"# T\n\n{F}console\n$ ls\n{F}\n\n{F}shell\necho 1\n{F}\n\n"
        f"{F}shell.async\nsleep 1\n{F}\n\n{F}\nplain\n{F}\n\n~~~bash\necho 3\n~~~\n"
    )
    runbook = extract_blocks(single(text))
    assert [(b.index, b.language, b.mode, b.body) for b in runbook.blocks] == [
        (1, "shell", "sync", "echo 1\n"),
        (2, "shell", "async", "sleep 1\n"),
        (3, "bash", "sync", "echo 3\n"),
    ]
    assert [b.origin for b in runbook.blocks] == [
        (loc("rb.md", 7),),
        (loc("rb.md", 11),),
        (loc("rb.md", 19),),
    ]
    assert runbook.path == "rb.md"
    assert runbook.blocks[0].heading == "T"


def test_line_origins_follow_the_include_chain() -> None:
    """rb.md:3 includes inc.md, whose line 4 includes an indented script inside the fence."""
    via_inc = (loc("rb.md", 3),)
    via_sh = (*via_inc, loc("inc.md", 4))
    doc = document(
        segment("rb.md", "# Title\n"),
        segment("inc.md", f"Text\n\n{F}shell.async\nif true; then", via=via_inc),
        segment("x.sh", "    # Follow it\n    tail -f log", via=via_sh),
        segment("inc.md", f"fi\n{F}", first=5, via=via_inc),
        segment("rb.md", f"\n{F}bash\nafter\n{F}\n", first=4),
    )
    first, second = extract_blocks(doc).blocks
    assert first.origin == (loc("rb.md", 3), loc("inc.md", 3))
    assert first.body == "if true; then\n    # Follow it\n    tail -f log\nfi\n"
    assert first.line_origins == (
        (loc("rb.md", 3), loc("inc.md", 4)),
        (loc("rb.md", 3), loc("inc.md", 4), loc("x.sh", 1)),
        (loc("rb.md", 3), loc("inc.md", 4), loc("x.sh", 2)),
        (loc("rb.md", 3), loc("inc.md", 5)),
    )
    assert first.name == "follow-it"
    assert second.origin == (loc("rb.md", 5),)
    assert second.line_origins == ((loc("rb.md", 6),),)


def test_fence_in_list_item_keeps_line_origins() -> None:
    text = f"# T\n\n1. Run:\n\n   {F}sh\n   echo a\n     b\n   {F}\n"
    (block,) = extract_blocks(single(text)).blocks
    assert block.body == "echo a\n  b\n"
    assert block.line_origins == ((loc("rb.md", 6),), (loc("rb.md", 7),))


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f"# T\n\n{F}shell\ntouch x\n", 3),
        (f"# T\n\n- item\n\n  {F}bash\n  echo\n{F}\n", 5),
        (f"> {F}sh\n> echo\n\nprose\n", 1),
    ],
)
def test_unterminated_shell_fence_is_an_error_at_its_line(text: str, line: int) -> None:
    with pytest.raises(BlockError, match="never closed") as err:
        extract_blocks(single(text))
    assert err.value.location == loc("rb.md", line)


def test_unterminated_other_fence_is_not_an_error() -> None:
    assert extract_blocks(single(f"# T\n\n{F}console\n$ ls\n")).blocks == ()


def test_fence_closed_by_the_including_file_is_an_error() -> None:
    doc = document(
        segment("rb.md", "# T"),
        segment("a.md", f"{F}shell", via=(loc("rb.md", 2),)),
        segment("rb.md", f"touch x\n{F}\n", first=3),
    )
    with pytest.raises(BlockError, match=r"not closed in the file that opens it.*rb\.md:4") as err:
        extract_blocks(doc)
    assert str(err.value).splitlines() == [
        "a.md:1: " + err.value.message,
        "  included from rb.md:2",
    ]


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Wait for the job", "wait-for-the-job"),
        ("  Stream `Ray` Job Logs!  ", "stream-ray-job-logs"),
        ("Crème brûlée — déjà vu", "creme-brulee-deja-vu"),
        ("👉 only emoji 👈", "only-emoji"),
        ("日本語", ""),
        (
            "Logs to a file (and possibly the console, too)",
            "logs-to-a-file-and-possibly-the-console",
        ),
        ("x" * 50, "x" * 40),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug
    assert re.fullmatch(r"[a-z0-9-]{0,40}", slug)


def test_names_explicit_comment_heading_index_and_unique() -> None:
    text = "\n".join(
        [
            f"{F}sh\necho no heading\n{F}",
            "# Setup",
            f"{F}sh\n#!/bin/bash\n# shellcheck disable=SC2086\necho\n# Install the tools\n{F}",
            f"{F}sh\necho a\n{F}",
            f"{F}sh\necho b\n{F}",
            f"{F}sh {{name=setup}}\necho explicit\n{F}",
            f"{F}sh\n#\n# Install the tools\n{F}",
            "## Émoji 👉 heading",
            f"{F}sh {{name=Block_1.x}}\necho\n{F}",
            f"{F}sh\necho\n{F}",
        ]
    )
    names = [b.name for b in extract_blocks(single(text)).blocks]
    assert names == [
        "block-1",
        "install-the-tools",
        "setup-2",
        "setup-3",
        "setup",
        "install-the-tools-2",
        "Block_1.x",
        "emoji-heading",
    ]


def test_duplicate_explicit_names_are_an_error() -> None:
    text = f"{F}sh {{name=x}}\na\n{F}\n\n{F}sh {{name=x}}\nb\n{F}\n"
    with pytest.raises(BlockError, match=r"'x' is already used by the block at rb\.md:1") as err:
        extract_blocks(single(text))
    assert err.value.location == loc("rb.md", 5)


def test_attribute_error_points_at_the_fence_through_the_chain() -> None:
    doc = document(
        segment("rb.md", "# T\n"),
        segment("inc.md", f"{F}bash {{colour=red}}\necho\n{F}", via=(loc("rb.md", 2),)),
    )
    with pytest.raises(BlockError, match="colour") as err:
        extract_blocks(doc)
    assert err.value.location == loc("inc.md", 1)
    assert err.value.chain == (loc("rb.md", 2),)
