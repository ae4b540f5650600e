"""mdrun's `--8<--` expansion against pymdownx.snippets on generated file trees.

Wherever pymdownx succeeds (check_paths on, same base path), mdrun must print the same bytes,
except for its documented refusals (cycles, nesting depth). Wherever pymdownx fails, mdrun must
fail too. Every output line's origin must point at a source line that reads the same.
`MDRUN_FUZZ_EXAMPLES=5000` raises the number of cases for a soak run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mdrun.errors import MdrunError
from mdrun.load.loader import load_document
from mdrun.model import LoadOptions, Origin
from tests.conftest import require_pymdownx, snippets_markdown, write_tree

require_pymdownx(module=True)
from pymdownx.snippets import SnippetMissingError  # only where it is installed

EXAMPLES = int(os.environ.get("MDRUN_FUZZ_EXAMPLES", "400"))

# Files in include order: a file includes only later ones unless the example allows cycles.
FILES = ("a.md", "b.md", "sub/c.md", "sub/d.txt")
TOP_LEVEL = {"root.md", "a.md", "b.md"}

INDENTS = st.sampled_from(["", "", "", "  ", "    ", "\t", " \t"])
ESCAPES = st.sampled_from(["", "", "", "", "", ";", ";;"])
DASHES = st.sampled_from(["-", "--", "--", "---"])
SUFFIXES = st.sampled_from(
    [
        *("", "", "", "", ":2", "::2", ":2:3", ":-2", ":-2:", "::-1", ":1:1,3:", ":0", ":3:2"),
        *(":sec1", ":sec1", ":sec2", ":Sec1", " :sec1", ":sec-1"),
    ]
)
PLAIN = st.sampled_from(
    [
        *("text", "", "", "  indented", "a --8<-- b", "8<", "; semi", "--8<-- x", "--8<--  "),
        *("\tTab", "x;--8<-- 'y'", "trailing ", "--8<-- '' ", '--8<-- "a.md" tail'),
    ]
)


@st.composite
def specs(draw: st.DrawFn, here: str, targets: tuple[str, ...]) -> str:
    name = draw(st.sampled_from(targets))
    if name != "missing.md" and "/" not in here:
        # `./` means the same thing to both tools only beside the base path.
        name = draw(st.sampled_from(["", "", "", "./", "sub/../"])) + name
    return name + draw(SUFFIXES)


@st.composite
def inline_markers(draw: st.DrawFn, here: str, targets: tuple[str, ...]) -> str:
    quote = draw(st.sampled_from(['"', "'"]))
    gap = draw(st.sampled_from([" ", " ", "\t", "  "]))
    tail = draw(st.sampled_from(["", "", "", "", " "]))
    spec = draw(specs(here, targets))
    parts = [draw(INDENTS), draw(ESCAPES), draw(DASHES), "8<", draw(DASHES), gap]
    return "".join([*parts, quote, spec, quote, tail])


@st.composite
def blocks(draw: st.DrawFn, here: str, targets: tuple[str, ...]) -> list[str]:
    inner = st.one_of(
        st.tuples(INDENTS, specs(here, targets)).map("".join),
        st.sampled_from(["", "  ", "; comment", ";a.md", ";--8<--"]),
        inline_markers(here, targets),
    )
    marker = draw(INDENTS) + draw(DASHES) + "8<" + draw(DASHES)
    closing = draw(st.sampled_from(["--8<--", "--8<--", "-8<-", ""]))
    return [marker, *draw(st.lists(inner, max_size=4)), closing]


@st.composite
def section_markers(draw: st.DrawFn) -> str:
    pre = draw(st.sampled_from(["", "", "# ", "x "]))
    kind = draw(st.sampled_from(["start", "start", "end", "end", "START"]))
    name = draw(st.sampled_from(["sec1", "sec1", "sec2", "Sec1", "sec-1"]))
    inside = draw(st.sampled_from([f"[{kind}:{name}]", f"[ {kind} : {name} ]"]))
    post = draw(st.sampled_from(["", "", " -->"]))
    return f"{pre}{draw(ESCAPES)}{draw(DASHES)}8<{draw(DASHES)} {inside}{post}"


@st.composite
def files(draw: st.DrawFn, here: str, targets: tuple[str, ...]) -> str:
    pieces = st.one_of(
        PLAIN.map(lambda line: [line]),
        inline_markers(here, targets).map(lambda line: [line]),
        section_markers().map(lambda line: [line]),
        blocks(here, targets),
    )
    lines = [line for piece in draw(st.lists(pieces, max_size=7)) for line in piece]
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n", "\n\n"]))


@st.composite
def trees(draw: st.DrawFn) -> dict[str, str]:
    cycles = draw(st.sampled_from([False] * 9 + [True]))
    tree = {}
    for i, name in enumerate(("root.md", *FILES)):
        later = FILES if cycles else FILES[i:]
        # `c.md` is found only through the second base path (sub/), when there is one.
        targets = (*later, *later, "missing.md", "c.md") if later else ("missing.md",)
        tree[name] = draw(files(name, targets))
    return tree


def pymdownx_expand(text: str, bases: list[str]) -> str:
    md = snippets_markdown({"base_path": bases, "check_paths": True})
    return "\n".join(md.preprocessors["snippet"].run(text.split("\n")))


def check_origins(text: str, origins: tuple[Origin, ...]) -> None:
    lines = text.split("\n")
    assert len(origins) == len(lines)
    if not text:
        return  # everything expanded to nothing; the one empty line points at the runbook
    cache: dict[str, list[str]] = {}
    for line, origin in zip(lines, origins, strict=True):
        loc = origin[-1]
        if loc.path not in cache:
            cache[loc.path] = Path(loc.path).read_text().split("\n")
        source = cache[loc.path][loc.line - 1]
        # An escaped marker loses one `;`; a blank line in a block becomes empty.
        semi = source.find(";")
        forms = {source, source[:semi] + source[semi + 1 :] if semi >= 0 else source}
        assert any(line.endswith(f) and not line[: len(line) - len(f)].strip() for f in forms) or (
            not source.strip() and not line.strip()
        ), (line, str(loc), source)
        for marker in origin[:-1]:
            if marker.path not in cache:
                cache[marker.path] = Path(marker.path).read_text().split("\n")
            # A chain entry is an inline marker or a file name inside a block.
            assert cache[marker.path][marker.line - 1].strip(), str(marker)


@pytest.mark.timeout(max(120, EXAMPLES // 5))  # soak runs take longer than the default
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(tree=trees(), crlf=st.booleans(), two_bases=st.booleans())
def test_same_output_as_pymdownx(tree: dict[str, str], crlf: bool, two_bases: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp).resolve()
        eol = "\r\n" if crlf else "\n"
        write_tree(
            base, {n: t if n == "root.md" else t.replace("\n", eol) for n, t in tree.items()}
        )
        root = base / "root.md"
        bases = [str(base), str(base / "sub")] if two_bases else [str(base)]
        options = LoadOptions(base_paths=tuple(bases))
        try:
            expected: str | None = pymdownx_expand(tree["root.md"], bases)
        except (SnippetMissingError, UnicodeDecodeError):
            expected = None
        if not tree["root.md"]:
            return  # mdrun refuses an empty runbook by design
        try:
            doc = load_document(str(root), options)
        except MdrunError as exc:
            deliberate = any(
                reason in exc.message
                for reason in ("include cycle", "nested deeper", "ends before it starts")
            )
            event("mdrun refused (cycle)" if deliberate else "both failed")
            assert expected is None or deliberate, f"mdrun failed where pymdownx did not: {exc}"
            return
        assert expected is not None, "pymdownx failed where mdrun did not"
        assert doc.text == expected
        event("compared")
        check_origins(doc.text, doc.origins)
