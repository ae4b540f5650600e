"""Text as mdrun reads it: decoding rules, per-line locations, the paths users see.

`mdrun.load.roots` decides which files may be read; this module turns their bytes into `Source`s.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from mdrun.errors import IncludeError
from mdrun.model import Origin, SourceLocation

STDIN = "-"
"""The runbook path that means standard input."""


def display_path(path: str, cwd: str | None = None) -> str:
    """`path` relative to the working directory when it is below it, else absolute."""
    if path == STDIN:
        return "<stdin>"
    full = os.path.abspath(path)
    here = cwd or os.getcwd()
    if full == here:
        return "."
    if full.startswith(here.rstrip(os.sep) + os.sep):
        return os.path.relpath(full, here)
    return full


def decode(
    data: bytes, shown: str, chain: Origin = (), marker: SourceLocation | None = None
) -> str:
    """UTF-8 text with a BOM dropped and CRLF/CR turned into LF; NUL and bad bytes are errors.

    Errors name `chain`, then `marker` when given (joined only then: most files decode).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        where = (*chain, marker) if marker else chain
        raise IncludeError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})", SourceLocation(shown, line), where
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        where = (*chain, marker) if marker else chain
        raise IncludeError("NUL byte in text file", SourceLocation(shown, line), where)
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        # Same as reading in text mode, which is how pymdownx.snippets reads its files.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


class Source(NamedTuple):
    """One file (or URL) read once per expansion, its lines and their locations."""

    key: str
    """Identity for cycle checks: the real path, or the URL."""
    shown: str
    """How locations in it are printed."""
    lines: list[str]
    """Its text split on newlines (an empty file has no lines)."""
    is_url: bool = False
    """Fetched over https; its own local includes are ignored, as pymdownx does."""
    marked: bool = True
    """Whether any line may hold a marker (contains `8<`); False lets expansion copy it whole."""
