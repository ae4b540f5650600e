"""What block output may do to the console: colours yes, screen control no; logs keep it all.

A block's bytes reach its log file untouched. On the console they are shown so that they
cannot redraw what mdrun shows: colour (SGR) sequences are kept, every other escape sequence
(clearing the screen, moving the cursor, setting the title) and other control characters are
dropped, a carriage return starts the line again after the block's prefix (on a terminal; in
a file it starts a new prefixed line), and bash's own error messages name the runbook's
`file:line` instead of the temp file the body ran from.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_PLAIN = bytes(b for b in range(256) if b in (9, 10) or 0x20 <= b < 0x7F or b >= 0x80)
_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_CONTROLS = re.compile(
    rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[ -/]*[0-~])"
    rb"|\x1b|\xc2[\x80-\x9f]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
_SGR = re.compile(rb"\x1b\[[0-9;:]*m")
_UNFINISHED = re.compile(rb"(?:\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[ -/]*)|\r)\Z")
"""An escape sequence cut by the end of a chunk, or a final carriage return (a `\\r\\n` may be
split): held until the next chunk."""
_HOLD_AT_MOST = 256
RESET = b"\x1b[0m"


def _keep_colour(match: re.Match[bytes]) -> bytes:
    text = match.group()
    return text if _SGR.fullmatch(text) else b""


def needs_care(data: bytes) -> bool:
    """Whether `data` holds anything but text, tab and newline (the per-chunk test: a C-speed
    `translate`, not a regex scan)."""
    return bool(data.translate(None, _PLAIN)) or (b"\xc2" in data and bool(_C1.search(data)))


def clean(data: bytes) -> tuple[bytes, bytes]:
    """`data` without controls other than colours, tab, newline and lone carriage returns
    (`\\r\\n` becomes `\\n`), and the unfinished tail to prepend to the next chunk."""
    held = b""
    start = max(0, len(data) - _HOLD_AT_MOST)
    tail = _UNFINISHED.search(data, start)
    if tail is not None:
        held, data = data[tail.start() :], data[: tail.start()]
    data = data.replace(b"\r\n", b"\n")
    if data.translate(None, _PLAIN).strip(b"\r") or b"\xc2" in data:
        data = _CONTROLS.sub(_keep_colour, data)  # only where there is more than `\r` to see to
    return data, held


def end_colours(data: bytes) -> bytes:
    """`data` (already cleaned) with a reset at the end of each line that sets a colour and does
    not reset it last, so that no colour runs on into the next line's prefix."""
    if b"\x1b[" not in data:
        return data
    lines = data.split(b"\n")
    for i, line in enumerate(lines[:-1]):
        if b"\x1b[" in line and not line.endswith(RESET):
            lines[i] = line + RESET
    return b"\n".join(lines)


def visible_width(data: bytes) -> int:
    """Terminal columns `data` takes: colours take none, wide characters two."""
    text = _SGR.sub(b"", data).decode(errors="replace")
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class SourceNames:
    """Rewrites `TEMPFILE: line N:` in bash's messages into the runbook's `file:line:`."""

    def __init__(self, body_path: str, origins: Sequence[str], script_path: str, fence: str):
        self._body, self._script = body_path.encode(), script_path.encode()
        self._origins, self._fence = origins, fence
        names = re.escape(self._body) + b"|" + re.escape(self._script)
        self._pattern = re.compile(b"(" + names + rb"): line ([0-9]+):")

    def __call__(self, data: bytes) -> bytes:
        """`data` with every temp-file location replaced (a cheap test first: usually none)."""
        if b".sh: line " not in data:
            return data
        return self._pattern.sub(self._origin, data)

    def _origin(self, match: re.Match[bytes]) -> bytes:
        line = int(match.group(2))
        where = self._fence
        if match.group(1) == self._body and 0 < line <= len(self._origins):
            where = self._origins[line - 1]
        return where.encode(errors="replace") + b":"
