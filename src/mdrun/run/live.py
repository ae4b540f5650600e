"""What rich draws: the live status area on a TTY and the summary table at the end.

Only these two use rich; block output never goes through it (see output.py).
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterable, Mapping

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mdrun import plural
from mdrun.redact import scrub
from mdrun.run.manifest import BlockRecord
from mdrun.run.output import BlockLog

_STYLES = {
    "ok": "green",
    "running": "cyan",
    "failed": "red",
    "timeout": "red",
    "stopped": "yellow",
    "skipped": "dim",
    "not-run": "dim",
    "restarting": "yellow",
    "allowed-failure": "yellow",
}


def _console(file: object, colour: bool, width: int | None = None) -> Console:
    return Console(
        file=file,  # type: ignore[arg-type]
        force_terminal=colour,
        no_color=not colour,
        color_system="standard" if colour else None,
        highlight=False,
        width=width,
    )


def terminal_size(fd: int, default_columns: int = 100) -> tuple[int, int]:
    """Columns and lines of the terminal on `fd`; defaults where it is none or reports 0x0
    (a pty nobody sized, as under `script` or `pty.fork`)."""
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return default_columns, 24
    return size.columns or default_columns, size.lines or 24


def _duration(record: BlockRecord) -> str:
    seconds = record.duration
    return "" if seconds is None else f"{seconds:.1f}s"


class LiveArea:
    """One status line per async block, redrawn below the scrolling output."""

    def __init__(
        self,
        records: Callable[[], Iterable[BlockRecord]],
        logs: Mapping[str, BlockLog],
        secrets: tuple[str, ...],
        colour: bool,
        fd: int = 1,
    ) -> None:
        self._records, self._logs, self._secrets, self._colour = records, logs, secrets, colour
        self.fd = fd
        self._drawn = 0
        self._shown = 0
        self._cache = b""
        self._rendered_at = 0.0

    def erase(self) -> bytes:
        """Cursor up over the area and clear it."""
        lines, self._drawn = self._drawn, 0
        return f"\x1b[{lines}F\x1b[J".encode() if lines else b""

    def draw(self) -> bytes:
        """The area, re-rendered at most 4 times a second, and whenever a block starts."""
        now = time.monotonic()
        shown = len(self._rows())
        if now - self._rendered_at >= 0.25 or shown != self._shown:
            self._cache, self._rendered_at, self._shown = self._render(), now, shown
        self._drawn = self._cache.count(b"\n")
        return self._cache

    def _render(self) -> bytes:
        columns, lines = terminal_size(self.fd)
        rows = self._rows()
        room = max(1, lines // 2)
        out = io.StringIO()
        console = _console(out, self._colour, columns - 1)
        for record in rows[:room]:
            console.print(self._line(record), no_wrap=True, overflow="ellipsis")
        if len(rows) > room:
            console.print(f"… and {len(rows) - room} more async blocks", style="dim")
        return out.getvalue().encode()

    def _rows(self) -> list[BlockRecord]:
        # Skipped blocks never ran: nothing to watch.
        return [
            r
            for r in self._records()
            if r.mode == "async" and r.status not in ("pending", "skipped")
        ]

    def _line(self, record: BlockRecord) -> Text:
        log = self._logs.get(record.name)
        last = b""
        if log is not None:
            last = next((x for x in reversed(log.tail.split(b"\n")) if x.strip()), b"")
        tail = scrub(last.decode(errors="replace"), self._secrets).replace("\x1b", "")
        text = Text(f"● {record.name} ", style=_STYLES.get(record.status, ""))
        lines = plural(log.lines if log else 0, "line")
        text.append(f"{record.status} {lines} {_duration(record)}  ")
        text.append(tail, style="dim")
        return text


def print_summary(records: Iterable[BlockRecord], fd: int, colour: bool, log_dir: str) -> None:
    """The table at the end, blocks in the order the run reached them: block, mode, status (with
    restarts), exit code, duration, lines; the log directory once below it (`run.json` alone
    when no block left a log: all of them skipped)."""
    ordered = sorted(records, key=lambda r: (r.turn is None, r.turn or 0))
    width = terminal_size(fd, 120)[0]
    narrow = width < 72  # mode, time and lines go: names and statuses need the room
    table = Table(title="mdrun summary", title_justify="left")
    longest = max((len(r.name) for r in ordered), default=5)
    table.add_column("block", no_wrap=True, min_width=min(longest, width // 3))
    columns = ("status", "exit") if narrow else ("mode", "status", "exit", "time", "lines")
    for column in columns:
        right = column in ("exit", "lines")
        table.add_column(column, justify="right" if right else "left", ratio=column == "status")
    for r in ordered:
        code = r.signal or ("" if r.exit_code is None else str(r.exit_code))
        status = f"{r.status}: {r.reason}" if r.reason else r.status
        if r.restarts:
            status += f" ({plural(r.restarts, 'restart')})"
        shown = Text(status, style=_STYLES.get(r.status, ""))
        if narrow:
            shown.append(f" {_duration(r)}" if r.duration is not None else "", style="dim")
            table.add_row(r.name, shown, code)
        else:
            lines = str(r.lines) if r.log else ""
            table.add_row(r.name, r.mode, shown, code, _duration(r), lines)
    out = io.StringIO()
    console = _console(out, colour, width)
    console.print(table)
    if any(r.log for r in ordered):
        console.print(Text(f"logs: {log_dir}/<block>.log", style="dim"))
    else:
        console.print(Text(f"run record: {os.path.join(log_dir, 'run.json')}", style="dim"))
    os.write(fd, out.getvalue().encode())
