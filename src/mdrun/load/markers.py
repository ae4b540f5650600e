"""The `--8<--` notation: what a marker line looks like and which lines a target selects.

Pure string work, no I/O. The grammar follows pymdownx.snippets 13.x so that `mdrun expand`
prints what a MkDocs site renders: markers are recognised on the raw line, before any indent
from an outer include is added.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

MARKER = re.compile(
    r"""(?x)
    ^(?P<space>[ \t]*)
    (?P<escape>;*)
    (?:
        -+8<-+[ \t]+
        (?P<quoted>"(?:\\"|[^"\n\r])+?"|'(?:\\'|[^'\n\r])+?')(?![ \t])
      | (?P<block>-+8<-+)(?![ \t])
    )
    \r?$
    """
)
"""A whole-line marker: `--8<-- "file"` (inline) or a bare `--8<--` that opens or closes a
block. A run of `;` before the dashes escapes it."""

SECTION = re.compile(
    r"""(?xi)
    ;*-+8<-+[ \t]+
    \[[ \t]*(?P<type>start|end)[ \t]*:[ \t]*(?P<name>[a-z][-_0-9a-z]*)[ \t]*\]
    """
)
"""A section marker anywhere in a line (`# --8<-- [start:setup]`); the leftmost counts."""


@functools.cache
def _specifiers() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """What may follow a target's path: `:RANGES` and `:section`. A target is `path`,
    `path:RANGES` or `path:section`; the path ends at the first `:` after which the rest is a
    valid specifier. Compiled on first use: most targets have no `:` (0.3 ms of each start)."""
    ranges = re.compile(r"(?::-?[0-9]*){1,2}(?:,(?=[-0-9:])-?[0-9]*(?::-?[0-9]*)?)*")
    section = re.compile(r"(?i):[a-z][-_0-9a-z]*")
    return ranges, section


class TargetError(ValueError):
    """A target whose line range cannot be read (`f:-`)."""


class Target(NamedTuple):
    """What a marker asks for: a path and optionally line ranges or a named section."""

    path: str
    """The file or URL as written, stripped."""
    ranges: tuple[tuple[int | None, int | None], ...] = ()
    """(start, end) pairs as Python slice bounds before negative indexes are resolved."""
    section: str | None = None
    """The named section, or None."""


def parse_target(spec: str) -> Target | None:
    """Split `file.md:1:5,8:`, `file.md:name` or `file.md`; None when the path is empty."""
    colon = spec.find(":")
    if colon == -1:  # the common case, without the patterns
        path = spec.strip()
        return Target(path) if path else None
    path, ranges, section = spec, "", ""
    ranges_pattern, section_pattern = _specifiers()
    while colon != -1:
        if ranges_pattern.fullmatch(spec, colon):
            path, ranges = spec[:colon], spec[colon:]
            break
        if section_pattern.fullmatch(spec, colon):
            path, section = spec[:colon], spec[colon + 1 :]
            break
        colon = spec.find(":", colon + 1)
    path = path.strip()
    if not path:
        return None
    if ranges:
        return Target(path, tuple(_parse_range(item) for item in ranges[1:].split(",")))
    return Target(path, section=section or None)


def _parse_range(item: str) -> tuple[int | None, int | None]:
    try:
        first, *rest = item.split(":")
        start = int(first) if first else None
        end = int(rest[0]) if rest and rest[0] else None
    except ValueError:
        raise TargetError(f"bad line range {item!r}") from None
    # pymdownx quietly includes nothing for `f:9:3`; a reversed range is always a typo.
    if start is not None and end is not None and 0 < end < start:
        raise TargetError(f"bad line range {item!r}: it ends before it starts")
    # Line numbers are 1-based; negative ones count from the end and are resolved later.
    return (start if start is None or start < 0 else max(0, start - 1)), end


def select_ranges(
    lines: list[str], ranges: tuple[tuple[int | None, int | None], ...]
) -> tuple[list[str], list[int]]:
    """The lines (and their 1-based numbers) that `f:1:3,5:` selects, in the order asked."""
    total = len(lines)
    numbers = range(1, total + 1)
    out_lines: list[str] = []
    out_numbers: list[int] = []
    for start, end in ranges:
        if start is not None and start < 0:
            start = min(max(total + start, 0), total)
        if end is not None and end < 0:
            end = min(max(total + 1 + end, 0), total)
        out_lines += lines[start:end]
        out_numbers += numbers[start:end]
    return out_lines, out_numbers


def select_section(lines: list[str], name: str) -> tuple[list[str], list[int]] | None:
    """The lines between `[start:name]` and `[end:name]`, or None when it never starts.

    Other sections' markers inside are dropped, escaped markers lose one `;`, and an unmatched
    marker of this name (an `end` first, or `START` in other case) stops the search.
    """
    out_lines: list[str] = []
    out_numbers: list[int] = []
    inside = found = False
    for number, line in enumerate(lines, 1):
        m = SECTION.search(line) if "8<-" in line else None
        if m is not None and line[m.start()] == ";":
            line = line[: m.start()] + line[m.start() + 1 :]
        elif m is not None and m["name"] == name:
            if m["type"] == "start" and not inside:
                inside = found = True
                continue
            if m["type"] == "start":
                continue
            break
        elif m is not None and inside:
            continue
        if inside:
            out_lines.append(line)
            out_numbers.append(number)
    return (out_lines, out_numbers) if found else None
