"""A reader for plain YAML: the block mappings and sequences of simple scalars nearly every
frontmatter is written in (`imports:` lists, `validate: which jq`, a `validate: |` script,
`inputs:` with a comment after each value).

Importing PyYAML costs more than planning a runbook (its reader alone compiles a Unicode class
of several milliseconds), so a head written in this subset is read here and PyYAML is imported
only for anything else. The subset is chosen so that whatever `read` accepts, `yaml.safe_load`
gives the same value, with keys and sequence items on the same lines. Anything it is not sure
of (flow mappings, folded scalars, anchors, tags, escapes, multi-line plain scalars, numbers
other than plain decimals, tabs, non-ASCII, repeated keys, anything PyYAML would refuse) makes
it answer `None` and PyYAML reads the text, so values, refusals and their messages stay
PyYAML's. tests/test_plain_yaml.py holds it to that over every frontmatter of the repository
and the store and over a generated corpus of edge cases.
"""

from __future__ import annotations

from typing import NamedTuple

Marks = dict[str, tuple[int, tuple[int, ...]]]
"""For each top-level key: its line, and the lines of its items when its value is a block
sequence (0-based, in the text read)."""


class _Line(NamedTuple):
    number: int
    """Index in the text's lines."""
    indent: int
    text: str
    """The line without its indentation and trailing spaces."""


class _NotPlainError(Exception):
    """The text is outside the subset: PyYAML must read it."""


_TRUE = frozenset(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"))
_FALSE = frozenset(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"))
_NULL = frozenset(("~", "null", "Null", "NULL"))
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`+<=")
"""First characters of a plain scalar that make it something else, or may (`-1`, `+1`, `<<`,
`=`)."""
_FLOW = frozenset("[]{},:#'\"")
"""Characters kept out of a flow sequence's items (they would end or change them)."""
_KEY_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_KEY_REST = _KEY_FIRST | frozenset("0123456789.-")


def read(text: str) -> tuple[object, Marks] | None:
    """`text`'s value and the lines of its top-level keys, or `None` when it is not plain."""
    raw = text.split("\n")
    lines = []
    for number, line in enumerate(raw):
        if not (line.isascii() and line.isprintable()):
            return None
        content = line.lstrip(" ")
        if content and not content.startswith("#"):
            lines.append(_Line(number, len(line) - len(content), content.rstrip(" ")))
    if not lines:
        return None, {}
    if lines[0].indent == 0 and lines[0].text.startswith(("---", "...")):
        return None
    reader = _Reader(raw, lines)
    first = lines[0]
    try:
        value = reader.items(first.indent)[0] if _is_item(first.text) else reader.mapping(first)
    except _NotPlainError:
        return None
    if reader.at < len(lines):
        return None
    return value, reader.marks


def _is_item(text: str) -> bool:
    return text == "-" or text.startswith("- ")


def _key(text: str) -> tuple[str, str] | None:
    """`key: rest` split (a comment after the colon is no rest), when `key` is a plain word that
    YAML reads as a string."""
    colon = text.find(":")
    if colon <= 0 or (colon + 1 < len(text) and text[colon + 1] != " "):
        return None
    key = text[:colon]
    if key[0] not in _KEY_FIRST or not all(c in _KEY_REST for c in key):
        return None
    if key in _TRUE or key in _FALSE or key in _NULL:
        return None
    rest = text[colon + 1 :].lstrip(" ")
    return key, "" if rest.startswith("#") else rest


def _uncommented(rest: str) -> None:
    """What follows a quoted scalar or a flow sequence on its line: nothing, or a comment."""
    if rest and not (rest.startswith(" ") and rest.lstrip(" ").startswith("#")):
        raise _NotPlainError


def _scalar(text: str) -> object:
    """A one-line scalar as PyYAML resolves it, or `_NotPlainError`."""
    first = text[0]
    if first == "'":
        end = 1
        while (end := text.find("'", end)) != -1 and text[end + 1 : end + 2] == "'":
            end += 2
        if end == -1:
            raise _NotPlainError
        _uncommented(text[end + 1 :])
        return text[1:end].replace("''", "'")
    if first == '"':
        end = text.find('"', 1)
        if end == -1 or "\\" in text[:end]:
            raise _NotPlainError
        _uncommented(text[end + 1 :])
        return text[1:end]
    if first == "[":
        return _flow(text)
    comment = text.find(" #")
    if comment != -1:
        text = text[:comment].rstrip(" ")
    return _plain(text)


def _plain(text: str) -> object:
    first = text[0]
    if first in _INDICATORS or ": " in text or text.endswith(":"):
        raise _NotPlainError
    if first.isdigit():
        if text == "0" or (text.isdigit() and first != "0"):
            return int(text)
        raise _NotPlainError
    if first == "." and (text[1:2] in tuple("0123456789_") or text[1:].lower() in ("inf", "nan")):
        raise _NotPlainError
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text in _NULL:
        return None
    return text


def _flow(text: str) -> list[object]:
    """`[a, b]`: a flow sequence of plain words."""
    end = text.find("]")
    if end == -1:
        raise _NotPlainError
    _uncommented(text[end + 1 :])
    inner = text[1:end].strip(" ")
    if not inner:
        return []
    items = [item.strip(" ") for item in inner.split(",")]
    if items[-1] == "":
        items.pop()
    if any(not item or any(c in _FLOW for c in item) for item in items):
        raise _NotPlainError
    return [_plain(item) for item in items]


class _Reader:
    def __init__(self, raw: list[str], lines: list[_Line]) -> None:
        self.raw = raw
        self.lines = lines
        self.at = 0
        self.marks: Marks = {}

    def _next(self) -> _Line | None:
        return self.lines[self.at] if self.at < len(self.lines) else None

    def mapping(self, first: _Line, top: bool = True) -> dict[str, object]:
        """The block mapping whose first key is on `first` (at `self.at`, maybe an item's
        remainder); `top` records its keys' marks."""
        value: dict[str, object] = {}
        indent = first.indent
        line: _Line | None = first
        while line is not None and line.indent >= indent:
            pair = _key(line.text) if line.indent == indent else None
            if pair is None or pair[0] in value:
                raise _NotPlainError
            key, rest = pair
            self.at += 1
            items: tuple[int, ...] = ()
            if rest in ("|", "|-"):
                value[key] = self._literal(line.number, indent, rest == "|")
            elif rest:
                scalar = value[key] = _scalar(rest)
                if isinstance(scalar, list):
                    items = (line.number,) * len(scalar)  # a flow sequence, on one line
                self._ends_above(indent)
            else:
                below = self._next()
                if below is not None and _is_item(below.text) and below.indent >= indent:
                    value[key], items = self.items(below.indent)
                elif below is not None and below.indent > indent:
                    value[key] = self.mapping(below, top=False)
                else:
                    value[key] = None
            if top:
                self.marks[key] = (line.number, items)
            line = self._next()
        return value

    def items(self, indent: int) -> tuple[list[object], tuple[int, ...]]:
        """The block sequence at `indent` (at `self.at`): its values and its items' lines."""
        values: list[object] = []
        numbers: list[int] = []
        while (line := self._next()) is not None and line.indent >= indent:
            if line.indent != indent or not _is_item(line.text):
                if line.indent > indent:
                    raise _NotPlainError
                break
            rest = line.text[1:].lstrip(" ")
            if not rest or rest.startswith("#") or _is_item(rest):
                raise _NotPlainError
            numbers.append(line.number)
            if _key(rest) is not None:
                column = indent + len(line.text) - len(rest)
                values.append(self.mapping(_Line(line.number, column, rest), top=False))
            else:
                self.at += 1
                values.append(_scalar(rest))
                self._ends_above(indent)
        return values, tuple(numbers)

    def _literal(self, number: int, indent: int, keep_last: bool) -> str:
        """A `|` (or `|-`) scalar after the key on line `number`, at `indent`: its text lines
        with their common indentation removed."""
        body: list[str] = []
        for line in self.raw[number + 1 :]:
            if line.strip(" ") and len(line) - len(line.lstrip(" ")) <= indent:
                break
            body.append(line)
        first = next((line for line in body if line.strip(" ")), None)
        if first is None:
            raise _NotPlainError
        margin = len(first) - len(first.lstrip(" "))
        for line in body:
            blank = not line.strip(" ")
            if (blank and len(line) > margin) or (not blank and not line.startswith(" " * margin)):
                raise _NotPlainError
        while not body[-1].strip(" "):
            body.pop()
        while self.at < len(self.lines) and self.lines[self.at].number <= number + len(body):
            self.at += 1
        text = "\n".join(line[margin:] for line in body)
        # `|` keeps the last line's line break, where the text has one after it.
        return text + "\n" if keep_last and number + len(body) + 1 < len(self.raw) else text

    def _ends_above(self, indent: int) -> None:
        """After a one-line value, a deeper line would continue it (or be an error)."""
        below = self._next()
        if below is not None and below.indent > indent:
            raise _NotPlainError
