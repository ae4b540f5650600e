"""Reading shell text by hand: what a name is, where a quote or a `$( … )` ends, how a reason
quotes a piece of code, and what a body might set before (or without) parsing it. Shared by
the word expander, `[[` and the planner."""

from __future__ import annotations

import functools
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


def split_words(text: str) -> list[tuple[int, int]]:
    """Start and end of each blank-separated word of `text`; quotes, `$( )`, `${ }`, `<( )`
    and backquotes hold their blanks."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in " \t\n":
            i += 1
            continue
        start = i
        while i < n and text[i] not in " \t\n":
            i = _after_construct(text, i)
        spans.append((start, i))
    return spans


def conditional_end(text: str, i: int) -> int | None:
    """Index after the `]]` closing a `[[` whose contents start at `i`, or None."""
    n = len(text)
    while i < n:
        if text[i] in " \t\n":
            i += 1
        elif text.startswith("]]", i) and (i + 2 == n or text[i + 2] in " \t\n;&|)"):
            return i + 2
        else:
            while i < n and text[i] not in " \t\n":
                i = _after_construct(text, i)
    return None


def _after_construct(text: str, i: int) -> int:
    """Index after the quote, expansion or single character at `i` (the end when unclosed)."""
    c, nxt = text[i], text[i + 1 : i + 2]
    end: int | None = i + 1
    if c in "'\"\\":
        end = skip_quoted(text, i)
    elif c in "$<>" and nxt == "(":
        end = closing(text, i + 1)
    elif c == "$" and nxt == "{":
        end = closing(text, i + 1, "{}")
    elif c == "`":
        end = text.find("`", i + 1) + 1 or None
    return len(text) if end is None else min(end, len(text))


def clip(text: str, width: int = 40) -> str:
    """One line, at most `width` characters, for quoting shell code in a reason."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"


_MAY_CHANGE_ENV = re.compile(
    r"\b(?:export|unset|declare|typeset|readonly|local|source|eval|read|set|cd|pushd|popd|exit)\b"
    rf"|(?:^|[\s;&|({{])(?:\.\s|{NAME_PATTERN}\+?=)|\$\{{{NAME_PATTERN}:?="
    r"|\(\(|\blet\b"
)


def may_change_env(source: str) -> bool:
    """False when `source` certainly sets, exports and unsets nothing (a cheap pre-check that
    lets plain bodies skip parsing)."""
    return _MAY_CHANGE_ENV.search(source) is not None


@functools.cache
def _unparsed_patterns() -> tuple[
    re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]
]:
    """`changed_names`' patterns, compiled on first use: only a body that cannot be parsed (3 of
    the store's 296) needs them, and compiling them took 0.5 ms of every `mdrun plan`'s start."""
    opens_all = re.compile(r"\b(?:source|eval)\b|(?:^|[\s;&|({])\.\s")
    statement = re.compile(
        r"\b(?:export|declare|typeset|readonly|local|unset|read|mapfile|readarray|getopts|let"
        r"|printf|for|select)\b([^;&|\n]*)|\(\(([^)]*)\)\)"
    )
    assigned = re.compile(rf"(?:^|[\s;&|({{])({NAME_PATTERN})\+?=|\$\{{({NAME_PATTERN}):?=")
    name_token = re.compile(rf"(?<![\w$-])({NAME_PATTERN})")
    return opens_all, statement, assigned, name_token


def changed_names(source: str) -> set[str] | None:
    """Names that text that cannot be parsed might set, export or unset (over-approximated:
    every name-like word after `export`, `read`, `unset`...), or None when it might change
    any name (`source`, `eval`)."""
    opens_all, statement, assigned, name_token = _unparsed_patterns()
    if opens_all.search(source):
        return None
    names = {m.group(1) or m.group(2) for m in assigned.finditer(source)}
    for match in statement.finditer(source):
        names.update(name_token.findall(match.group(1) or match.group(2) or ""))
    return names
