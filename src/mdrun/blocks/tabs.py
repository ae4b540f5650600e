"""pymdownx.tabbed groups and admonitions in an expanded document, and their bodies dedented.

A tab is `=== "Title"` followed by lines indented four more columns; tabs that follow each other,
with nothing but blank lines between, form one group (a question; each tab an answer). Any other
line at the group's own indentation ends it, and so does `===!`. Admonitions (`!!! note`,
`??? tip`, `???+ bug`) hold indented bodies too. Both nest. markdown-it sees such bodies as
indented code, so `containers` rewrites the text: header lines become blank and every line inside
a container loses four columns per container around it. The line count is unchanged, so line `i`
of the result is line `i` of the input and the document's origins still apply.

Like madwizard, a header's level is its indentation divided by four, rounded down (the store's
`python/conda/install.md` indents one tab by nine columns), and a header indented deeper than the
containers around it still opens one (an admonition in a list item; pymdownx would show an
indented code block there).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import Literal, NamedTuple

from mdrun.blocks.tabtitle import group_key, parse_title

AdmonitionKind = Literal["!!!", "???", "???+"]

_TAB = re.compile(r"===(\+!|!\+|!|\+)?[ \t]+\"(.*)\"\s*$")
_ADMONITION = re.compile(r"(!!!|\?\?\?\+?) ?([\w-]+(?: +[\w-]+)*)(?: +\"(.*?)\")?\s*$")
_HEADING = re.compile(r" {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$")
_FENCE = re.compile(r" {0,3}(`{3,}(?!.*`)|~{3,})")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_ATTRS = re.compile(r"\{[^}]*\}")


class Tab(NamedTuple):
    """One answer of a tab group."""

    title: str
    """The title between the quotes, as written (see `blocks.tabtitle` for how it reads)."""
    start: int
    """0-based line of the `=== "…"` header."""
    end: int
    """0-based line one past the tab's last non-blank body line."""
    groups: tuple[TabGroup, ...]
    """The tab groups directly inside this tab, in order."""


class TabGroup(NamedTuple):
    """Consecutive tabs: one question."""

    key: str
    """madwizard's group: the tabs' answer names joined with `####`."""
    name: str
    """A readable name: the heading it sits under, else its parent's name and tab, else the
    title given to `containers`, else its answers joined with ` or `."""
    tabs: tuple[Tab, ...]
    """The answers, in document order."""
    depth: int
    """How many containers (tabs, admonitions) enclose the group."""


class Admonition(NamedTuple):
    """An `!!!`/`???`/`???+` block: a container, not a question."""

    kind: AdmonitionKind
    """`!!!` always shown, `???` collapsed (madwizard: its blocks are optional), `???+` open."""
    type: str
    """`note`, `tip`, `warning`…"""
    title: str | None
    """The quoted title, if any."""
    start: int
    """0-based header line."""
    end: int
    """0-based line one past its last non-blank body line."""


class Containers(NamedTuple):
    """The result of `containers`."""

    text: str
    """The document with headers blanked and container bodies dedented (same line count)."""
    groups: tuple[TabGroup, ...]
    """The outermost tab groups, in order; nested ones hang from their tabs."""
    admonitions: tuple[Admonition, ...]
    """Every admonition, in order of its header."""

    def path_at(self, line: int) -> tuple[tuple[TabGroup, int], ...]:
        """The (group, tab index) pairs enclosing `line`, outermost first: a block's choices."""
        path: list[tuple[TabGroup, int]] = []
        groups = self.groups
        while True:
            hit = next(
                ((g, i) for g in groups for i, t in enumerate(g.tabs) if t.start < line < t.end),
                None,
            )
            if hit is None:
                return tuple(path)
            path.append(hit)
            groups = hit[0].tabs[hit[1]].groups

    def admonitions_at(self, line: int) -> tuple[Admonition, ...]:
        """The admonitions enclosing `line`, outermost first."""
        return tuple(a for a in self.admonitions if a.start < line < a.end)


def plain(heading: str) -> str:
    """Heading markup reduced to words: links to their text, `{…}` attributes and `*_\\`` gone."""
    text = _ATTRS.sub("", _LINK.sub(r"\1", heading))
    return " ".join(text.replace("`", "").replace("*", "").split())


def _columns(line: str) -> int:
    col = 0
    for ch in line:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
    return col


def dedent(line: str, columns: int) -> str:
    """`line` without its first `columns` columns of indentation (tabs count to the next 4)."""
    if line.startswith(" " * columns):
        return line[columns:]  # spaces only, as nearly every line: one column each
    col = i = 0
    while col < columns and i < len(line) and line[i] in " \t":
        col += 1 if line[i] == " " else 4 - col % 4
        i += 1
    return " " * max(col - columns, 0) + line[i:]


def containers(
    text: str, title: str | None = None, scope: Callable[[int], Hashable] | None = None
) -> Containers:
    """Find the tab groups and admonitions of `text` and dedent their bodies.

    `title` names groups that sit under no heading (the guidebook's title, when it has one).
    `scope(line)` says which guidebook a line of an expanded document belongs to: a heading
    names only groups of its own guidebook, as in madwizard, where an import is a container.
    """
    from mdrun.blocks.tabscan import Scanner

    scanner = Scanner(title, scope)
    out = [scanner.line(i, line) for i, line in enumerate(text.split("\n"))]
    return Containers("\n".join(out), *scanner.finish())


class TabHeader(NamedTuple):
    """`=== "title"` (`===!` starts a new group)."""

    title: str
    new_group: bool


def header(relative: str) -> TabHeader | Admonition | None:
    """The container a line (already relative to its level) opens: a tab header, an admonition
    (its `start`/`end` still 0), or None."""
    if m := _TAB.match(relative):
        return TabHeader(m.group(2), "!" in (m.group(1) or ""))
    if m := _ADMONITION.match(relative):
        kind: AdmonitionKind = (
            "!!!" if m.group(1) == "!!!" else "???+" if "+" in m.group(1) else "???"
        )
        return Admonition(kind, m.group(2), m.group(3) or None, 0, 0)
    return None


def heading_text(relative: str) -> str | None:
    """The text of an ATX heading line, else None."""
    m = _HEADING.match(relative)
    return plain(m.group(1) or "") if m else None


def fence_opener(relative: str) -> str | None:
    """The backticks or tildes opening a fence on this line, else None."""
    m = _FENCE.match(relative)
    return m.group(1) if m else None


def answers_name(titles: list[str]) -> str:
    """The fallback name of a group under no heading: `Linux or MacOS`."""
    return " or ".join(titles)


__all__ = ["Admonition", "Containers", "Tab", "TabGroup", "containers", "group_key", "parse_title"]
