"""Parse shell text with bashlex, without ever running it.

bashlex does not know `[[ … ]]`: each one is masked with a placeholder word of the same length
before parsing (so every position still points into the original text) and kept aside, keyed
by its start offset, for the guard evaluator. Anything bashlex rejects becomes `ShellSyntaxError`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

Node = Any
"""A bashlex AST node (bashlex is untyped)."""


class ShellSyntaxError(Exception):
    """bashlex could not parse the text."""


class Parsed(NamedTuple):
    """Shell text and its top-level bashlex nodes."""

    source: str
    """The original text; node positions index into it."""
    nodes: tuple[Node, ...]
    """Top-level commands in order (a lone `if` is unwrapped from its compound node)."""
    conditionals: Mapping[int, str] = MappingProxyType({})
    """Start offset of each masked `[[ … ]]` → its original text."""

    def text(self, node: Node) -> str:
        """The original source of `node`."""
        start, end = node.pos
        return self.source[start:end]

    def line_index(self, offset: int) -> int:
        """0-based line of `offset` in `source`."""
        return self.source.count("\n", 0, offset)


_MAY_CHANGE_ENV = re.compile(
    r"\b(?:export|unset|declare|typeset|readonly|local|source|eval|read|set|cd|pushd|popd|exit)\b"
    r"|(?:^|[\s;&|({])(?:\.\s|[A-Za-z_][A-Za-z0-9_]*\+?=)|\$\{[A-Za-z_][A-Za-z0-9_]*:?="
)


def may_change_env(source: str) -> bool:
    """False when `source` certainly sets, exports and unsets nothing (a cheap pre-check that
    spares bashlex, ~1 ms per block, on plain bodies)."""
    return _MAY_CHANGE_ENV.search(source) is not None


# Only `changed_names` uses these, and only for a body bashlex rejects: kept as strings so that
# `re` compiles them on first use (its cache keeps them) rather than at every import.
_OPENS_ALL = r"\b(?:source|eval)\b|(?:^|[\s;&|({])\.\s"
_STATEMENT = (
    r"\b(?:export|declare|typeset|readonly|local|unset|read|mapfile|readarray|getopts|let"
    r"|printf|for|select)\b([^;&|\n]*)|\(\(([^)]*)\)\)"
)
_ASSIGNED = r"(?:^|[\s;&|({])([A-Za-z_][A-Za-z0-9_]*)\+?=|\$\{([A-Za-z_][A-Za-z0-9_]*):?="
_NAME_TOKEN = r"(?<![\w$-])([A-Za-z_][A-Za-z0-9_]*)"


def changed_names(source: str) -> set[str] | None:
    """Names that text bashlex cannot parse might set, export or unset (over-approximated:
    every name-like word after `export`, `read`, `unset`...), or None when it might change
    any name (`source`, `eval`)."""
    if re.search(_OPENS_ALL, source):
        return None
    names = {m.group(1) or m.group(2) for m in re.finditer(_ASSIGNED, source)}
    for match in re.finditer(_STATEMENT, source):
        names.update(re.findall(_NAME_TOKEN, match.group(1) or match.group(2) or ""))
    return names


@functools.lru_cache(maxsize=4096)
def parse(source: str) -> Parsed:
    """Parse `source` (cached: guards, planner and renders ask for the same bodies); raises
    `ShellSyntaxError` with bashlex's message on failure. Treat the result as read-only."""
    if all(not ln.strip() or ln.lstrip().startswith("#") for ln in source.splitlines()):
        return Parsed(source, ())
    masked, conditionals = mask_conditionals(mask_arithmetic(source))
    nodes = _bashlex_parse(masked)
    if isinstance(nodes, str):
        raise ShellSyntaxError(nodes)
    return Parsed(source, tuple(unwrap(n) for n in nodes), conditionals)


def _bashlex_parse(text: str) -> list[Node] | str:
    """bashlex's nodes for `text`, or the message of the parse error it raised."""
    import bashlex  # replaced by tree-sitter-bash (issue 10)

    try:
        nodes: list[Node] = bashlex.parse(text)
    except (bashlex.errors.ParsingError, NotImplementedError) as exc:
        return f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - bashlex raises assorted types (IndexError...)
        # Not kept: these may depend on this process (the recursion limit, memory).
        raise ShellSyntaxError(f"{type(exc).__name__}: {exc}") from None
    return nodes


def unwrap(node: Node) -> Node:
    """An `if`/`for`/`while` node out of the compound bashlex wraps it in."""
    inner = getattr(node, "list", None)
    if node.kind == "compound" and inner and len(inner) == 1 and inner[0].kind != "reservedword":
        return inner[0]
    return node


def mask_arithmetic(text: str) -> str:
    """Replace every `$(( … ))` with underscores: bashlex cannot parse arithmetic, and the
    expander reads the original text anyway (and calls it unknown)."""
    out = list(text)
    i, n, in_double = 0, len(text), False
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
        elif c == "'" and not in_double:
            end = text.find("'", i + 1)
            i = n if end < 0 else end + 1
        elif c == '"':
            in_double = not in_double
            i += 1
        elif text.startswith("$((", i):
            end = matching_paren(text, i + 1)
            out[i:end] = "_" * (end - i)
            i = end
        else:
            i += 1
    return "".join(out)


_STARTERS = frozenset(" \t\n;&|(){}!`")


def mask_conditionals(text: str) -> tuple[str, dict[int, str]]:
    """Replace every `[[ … ]]` in command position with a same-length placeholder word."""
    out = list(text)
    found: dict[int, str] = {}
    i, n, word_start = 0, len(text), True
    while i < n:
        c = text[i]
        if c in "'\"\\":
            i = _skip_quoted(text, i)
            word_start = False
            continue
        if c == "#" and word_start:
            i = _line_end(text, i)
            continue
        if c == "<" and text.startswith("<<", i) and not text.startswith("<<<", i):
            i = _skip_heredoc(text, i)
            continue
        if word_start and text.startswith("[[", i) and text[i + 2 : i + 3] in ("", " ", "\t", "\n"):
            end = _conditional_end(text, i + 2)
            if end is not None:
                found[i] = text[i:end]
                out[i:end] = f"_{len(found)}".ljust(end - i, "_")
                i = end
                continue
        word_start = c in _STARTERS
        i += 1
    return "".join(out), found


def _skip_quoted(text: str, i: int) -> int:
    """Index after the quoted string or escaped character starting at `i`."""
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


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _skip_heredoc(text: str, i: int) -> int:
    """Index after a here-document's body (the `<<` is at `i`), or just past `<<` if odd."""
    j = i + 2
    strip_tabs = text.startswith("-", j)
    j += strip_tabs
    while j < len(text) and text[j] in " \t":
        j += 1
    start = j
    while j < len(text) and text[j] not in " \t\n;&|<>()":
        j += 1
    delimiter = text[start:j].replace('"', "").replace("'", "").replace("\\", "")
    if not delimiter:
        return i + 2
    line_start = _line_end(text, j) + 1
    while line_start < len(text):
        end = _line_end(text, line_start)
        line = text[line_start:end]
        if (line.lstrip("\t") if strip_tabs else line) == delimiter:
            return end
        line_start = end + 1
    return len(text)


def _conditional_end(text: str, i: int) -> int | None:
    """Index after the `]]` closing a conditional whose contents start at `i`, or None."""
    n = len(text)
    while i < n:
        if text[i] in " \t\n":
            i += 1
            continue
        if text.startswith("]]", i) and (i + 2 == n or text[i + 2] in " \t\n;&|)"):
            return i + 2
        while i < n and text[i] not in " \t\n":
            if text[i] in "'\"\\":
                i = _skip_quoted(text, i)
            elif text.startswith("$(", i):
                i = matching_paren(text, i + 1)
            else:
                i += 1
    return None


def matching_paren(text: str, i: int) -> int:
    """Index after the `)` matching the `(` at `i` (quotes respected)."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c in "'\"\\":
            i = _skip_quoted(text, i)
            continue
        depth += {"(": 1, ")": -1}.get(c, 0)
        i += 1
        if depth == 0:
            return i
    return i
