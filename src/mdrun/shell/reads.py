"""Which variables a piece of shell reads: `$NAME` and `${NAME…}` outside single quotes,
comments and quoted here-documents, read from the text without a parser.

A read with a fallback (`${X:-default}`, `${X-…}`, `${X:=…}`, `${X:+…}`) copes with an unset
variable on purpose and is not counted; `${X:?message}` is (it fails when X is unset).
Arithmetic's bare names (`$(( X + 1 ))`) are not seen.
"""

from __future__ import annotations

import re

from mdrun.shell.scan import NAME_PATTERN, skip_quoted

_REFERENCE = re.compile(rf"\$(?:\{{([#!]?)({NAME_PATTERN})(:?[-=+?])?|({NAME_PATTERN}))")
_HEREDOC = re.compile(r"<<-?[ \t]*(['\"])([^'\"\n]+)\1")


def read_names(source: str) -> dict[str, int]:
    """Each variable `source` reads, with the offset of its first read, in order."""
    found: dict[str, int] = {}
    i, n, in_double, word_start = 0, len(source), False, True
    while i < n:
        c = source[i]
        if c == "\\" or (c == "'" and not in_double):
            i, word_start = skip_quoted(source, i), False
        elif c == "#" and word_start and not in_double:
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif c == "<" and not in_double and (quoted := _HEREDOC.match(source, i)):
            i = _after_heredoc(source, quoted)
        elif c == "$":
            i = _reference(source, i, found)
            word_start = False
        else:
            in_double ^= c == '"'
            word_start = c in " \t\n;&|(){}"
            i += 1
    return found


def _reference(source: str, i: int, found: dict[str, int]) -> int:
    """Record the reference at `i` (if it is one); the index to go on from."""
    match = _REFERENCE.match(source, i)
    if match is None:
        return i + 1
    prefix, braced, operator, bare = match.groups()
    name = braced or bare
    defaulted = operator is not None and not operator.endswith("?")
    if prefix != "!" and not defaulted:
        found.setdefault(name, i)
    return match.end()  # a fallback's own words are scanned next: `${X:-$Y}` reads Y


def _after_heredoc(source: str, opener: re.Match[str]) -> int:
    """The index after a quoted here-document's terminator: its body is literal text."""
    strip_tabs = source.startswith("<<-", opener.start())
    delimiter = opener.group(2)
    line_start = source.find("\n", opener.end())
    while line_start >= 0:
        end = source.find("\n", line_start + 1)
        line = source[line_start + 1 : end if end >= 0 else len(source)]
        if (line.lstrip("\t") if strip_tabs else line) == delimiter:
            return end if end >= 0 else len(source)
        line_start = end
    return len(source)
