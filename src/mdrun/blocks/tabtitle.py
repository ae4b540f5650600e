"""What a pymdownx tab title says: `=== "Number of CPUs [default: 1]"`, `=== "expand(ls, Files)"`.

madwizard reads a tab's title after Markdown's inline parsing (so `\\"` is `"`), then strips a
form's `[default: …]` and a multi-select's `[ ]` before using it as the answer's name and as part
of its group key. A title of the shape `expand(COMMAND[, MESSAGE[, ENVKEY]])` (or `multi(…)`,
`form(…)`) is a dynamic choice: its answers are the command's output lines.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

ExpansionKind = Literal["expand", "multi", "form"]

# CommonMark: a backslash before ASCII punctuation is an escape.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_FORM = re.compile(r"^(.+)\s+\[default:\s+(.+)\s*\]\s*$")
_MULTI = re.compile(r"\s+\[\s+]\s*$")
# madwizard's three shapes, tried from the most specific; the command is greedy, so the message
# is what follows the last comma (and the key, when there is one, a plain word list).
_WITH_KEY = re.compile(r"^\s*(expand|multi|form)\((.+)\s*,\s*([\w\s]+)\s*,\s*([\w\s]+)\s*\)\s*$")
_WITH_MESSAGE = re.compile(r"^\s*(expand|multi|form)\((.+)\s*,\s*(.+)\s*\)\s*$")
_BARE = re.compile(r"(expand|multi|form)\((.+)\)")


class Expansion(NamedTuple):
    """A dynamic choice: the answers are the lines `command` prints."""

    kind: ExpansionKind
    """`expand` (pick one), `multi` (pick several) or `form` (type a value)."""
    command: str
    """The shell command whose output lines are the answers."""
    message: str | None = None
    """What the answers are, shown while expanding and in prompts (`Kubernetes namespaces`)."""
    env_key: str | None = None
    """An environment variable that, when set, is the answer (the command is not run)."""


class TabTitle(NamedTuple):
    """One tab title, read as madwizard reads it."""

    raw: str
    """The text between the quotes of `=== "…"`, as written."""
    title: str
    """The answer's name: escapes removed, `[default: …]` and `[ ]` stripped."""
    default: str | None = None
    """A form field's default value (`[default: 1]`), else None."""
    multiselect: bool = False
    """`[ ]` at the end: one of several answers that may be picked together."""
    expansion: Expansion | None = None
    """The dynamic choice the title describes, if it is `expand(…)`, `multi(…)` or `form(…)`."""


def unescape(text: str) -> str:
    """Markdown's backslash escapes removed, as an inline parser would: `\\"` → `"`."""
    return _ESCAPE.sub(r"\1", text)


def parse_expansion(title: str) -> Expansion | None:
    """`expand(ls -1, Files, FILE)` → Expansion("expand", "ls -1", "Files", "FILE")."""
    match = _WITH_KEY.match(title) or _WITH_MESSAGE.match(title) or _BARE.search(title)
    if match is None:
        return None
    groups = [g.strip() for g in match.groups()]
    kind: ExpansionKind = (
        "multi" if groups[0] == "multi" else "form" if groups[0] == "form" else "expand"
    )
    message = groups[2] if len(groups) > 2 else None
    env_key = groups[3] if len(groups) > 3 else None
    return Expansion(kind, groups[1], message or None, env_key or None)


def parse_title(raw: str) -> TabTitle:
    """Read one tab title: its answer name, form default, multi-select mark and expansion."""
    text = unescape(raw)
    default: str | None = None
    if form := _FORM.match(text):
        text, default = form.group(1), form.group(2).strip()
    multiselect = _MULTI.search(text) is not None
    if multiselect:
        text = _MULTI.sub("", text)
    return TabTitle(raw, text, default, multiselect, parse_expansion(text))


def group_key(titles: list[str]) -> str:
    """madwizard's identity of a tab group: its answers' names joined with `####`."""
    return "####".join(titles)
