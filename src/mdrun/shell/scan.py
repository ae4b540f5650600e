"""Reading shell text by hand: what a name is, where a quote or a `$( … )` ends, and how a
reason quotes a piece of code. Shared by the word expander, `[[` and the planner."""

from __future__ import annotations

import re

NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"
"""A shell variable name, as a regular expression to build others from."""
NAME = re.compile(NAME_PATTERN)
"""A shell variable name (`NAME.fullmatch(text)` tests one)."""


def skip_quoted(text: str, i: int) -> int:
    """Index after the quoted string or escaped character starting at `i` (a `'`, `"` or
    backslash); the end of `text` when the quote is not closed."""
    c = text[i]
    if c == "\\":
        return i + 2
    if c == "'":
        end = text.find("'", i + 1)
        return len(text) if end < 0 else end + 1
    j = i + 1
    while j < len(text) and text[j] != '"':
        j += 2 if text[j] == "\\" else 1
    return j + 1


def closing(text: str, i: int, pair: str = "()") -> int | None:
    """Index after the bracket that closes the `pair[0]` at `i` (quotes respected), or None
    when it is not closed."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c in "'\"\\":
            i = skip_quoted(text, i)
            continue
        depth += 1 if c == pair[0] else -1 if c == pair[1] else 0
        i += 1
        if depth == 0:
            return i
    return None


def matching_paren(text: str, i: int) -> int:
    """Index after the `)` matching the `(` at `i`; the end of `text` when there is none."""
    end = closing(text, i)
    return len(text) if end is None else end


def clip(text: str, width: int = 40) -> str:
    """One line, at most `width` characters, for quoting shell code in a reason."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"
