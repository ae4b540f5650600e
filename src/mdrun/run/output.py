"""Block output: raw into log files, prefixed onto the console, per chunk rather than per line.

The per-chunk path is what decides throughput: one `os.read` of up to 1 MiB becomes one
`os.write` to the log, one `bytes.count`, one `bytes.replace` for the prefixes and one
buffered console write. Nothing here holds more than one chunk of a long line.
"""

from __future__ import annotations

import codecs
import errno
import os
from collections.abc import Callable

from mdrun.run.terminal import SourceNames, clean, end_colours, needs_care, visible_width

_COLOURS = (36, 33, 32, 35, 34, 96, 93, 92, 95, 94)
_RESET = b"\x1b[0m"


def use_colour(fd: int) -> bool:
    """Colour on a TTY unless NO_COLOR is set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and os.isatty(fd)


def prefixes(name: str, index: int, colour: bool) -> tuple[bytes, bytes]:
    """Console prefixes for a block's stdout and stderr lines: `[name] ` and `[name]! `."""
    tag = f"[{name}]".encode(errors="replace")
    if not colour:
        return tag + b" ", tag + b"! "
    code = f"\x1b[{_COLOURS[index % len(_COLOURS)]}m".encode()
    return code + tag + _RESET + b" ", code + tag + _RESET + b"\x1b[1;31m!" + _RESET + b" "


class ConsoleOut:
    """The console: output bytes batched per loop iteration, one `os.write` per flush.

    With a status area below the output (`before_flush`/`after_flush`), a partial line stays
    a partial line: it is drawn above the area, and taken up again (redrawn from its start)
    when more of it comes, so that `printf 'Downloading… '; …; echo done` is one line here too.
    """

    def __init__(self, fd: int = 1) -> None:
        self.fd = fd
        self.tty = os.isatty(fd)
        """A terminal: a carriage return redraws the line after the prefix (else a new line)."""
        self.parts: list[bytes] = []
        """Queued output; `Sink.show` appends to it directly (the per-chunk path)."""
        self.owner: Sink | None = None
        """The sink whose partial line is the console's current line, if any."""
        self.broken = False
        """Set when writing failed (closed pipe): output then goes to the logs only."""
        self.before_flush: Callable[[], bytes] | None = None
        self.after_flush: Callable[[], bytes] | None = None
        self.width: Callable[[], int] = lambda: 80
        """Terminal columns: a partial line wider than this is ended before the area."""
        self._tail = b""
        """The current partial line as shown, from its start (or its last carriage return)."""
        self._tail_above_area = False

    def write(self, sink: Sink | None, data: bytes, ends_line: bool) -> None:
        """Queue `data` from `sink` (None: mdrun itself), ending a foreign partial line first."""
        if self.owner is not None and self.owner is not sink:
            self.break_line()
        self.parts.append(data)
        self.owner = None if ends_line else sink

    def break_line(self) -> None:
        """End the current partial line; its sink starts a new prefixed line next time."""
        if self.owner is not None:
            self.parts.append(b"\n")
            self.owner.at_line_start = True
            self.owner = None

    def message(self, text: str) -> None:
        """A line of mdrun's own."""
        self.write(None, text.encode(errors="replace") + b"\n", True)

    def flush(self) -> None:
        """Write everything queued."""
        if self.parts:
            self.refresh()

    def refresh(self) -> None:
        """Write what is queued and redraw the status area, even when nothing is queued."""
        if self.before_flush is None:
            data = b"".join(self.parts)
            self.parts.clear()
            self._write(data)
            return
        head = self.before_flush()
        if head and self._tail_above_area:
            head += b"\x1b[1F\x1b[K" + self._tail  # back onto the partial line
        self._tail_above_area = False
        if self.owner is not None and visible_width(self._tail_after()) >= self.width():
            self.break_line()  # it wraps: redrawing it would need to know how
        data = b"".join(self.parts)
        self.parts.clear()
        self._tail = self._tail_after(data) if self.owner is not None else b""
        area = self.after_flush() if self.after_flush is not None else b""
        if area and self.owner is not None:
            data += b"\n"
            self._tail_above_area = True
        self._write(head + data + area)

    def _tail_after(self, data: bytes | None = None) -> bytes:
        data = b"".join(self.parts) if data is None else data
        cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
        return data[cut + 1 :] if cut >= 0 else self._tail + data

    def _write(self, data: bytes) -> None:
        if not self.broken and data:
            self._write_all(data)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                continue
            except OSError:
                self.broken = True
                return


class BlockLog:
    """One block's log file and counters, shared by its stdout and stderr sinks."""

    def __init__(self, path: str, on_error: Callable[[BlockLog, OSError], None]) -> None:
        self.path = path
        # Truncated: a reused --log-dir must not mix runs. Restarts share this one open file.
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC
        self.fd = os.open(path, flags, 0o600)
        self.lines = 0
        """Newline count over everything the block wrote."""
        self.bytes = 0
        self.last = b""
        """The last chunk written (a reference, not a copy)."""
        self.error: OSError | None = None
        """The first write error (disk full, file too large); the console goes on regardless."""
        self._on_error = on_error

    def write(self, chunk: bytes) -> None:
        """Append raw bytes; on error remember it, report once, and stop writing."""
        self.lines += chunk.count(b"\n")
        self.bytes += len(chunk)
        self.last = chunk
        if self.error is not None:
            return
        try:
            written = os.write(self.fd, chunk)
            if written < len(chunk):  # rare: a signal or a nearly full disk
                view = memoryview(chunk)[written:]
                while view:
                    view = view[os.write(self.fd, view) :]
        except OSError as exc:
            if exc.errno not in (errno.EFBIG, errno.ENOSPC, errno.EDQUOT, errno.EIO):
                raise
            self.error = exc
            self._on_error(self, exc)

    @property
    def tail(self) -> bytes:
        """The end of what was written last (for the status line)."""
        return self.last[-240:]

    def close(self) -> None:
        """Close the file."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class Sink:
    """One output stream of one block: log it raw, show it prefixed (see `run.terminal`)."""

    def __init__(self, log: BlockLog, console: ConsoleOut, prefix: bytes) -> None:
        self.log = log
        self.console = console
        self.prefix = prefix
        self.at_line_start = True
        self._sep = b"\n" + prefix
        self._redraw = (b"\r" if console.tty else b"\n") + prefix
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = False
        """The decoder holds the start of a character split across chunks."""
        self._held = b""
        """An escape sequence or carriage return cut by the end of the last chunk."""
        self.names: SourceNames | None = None
        """Rewrites bash's temp-file locations into the runbook's (set per start)."""
        self.watchers: list[Callable[[Sink, bytes], None]] = []
        """Called with each raw chunk (ready= regexes); removed by their owners when done."""

    def feed(self, chunk: bytes) -> None:
        """Handle one chunk as read from the child."""
        self.log.write(chunk)
        self.show(chunk)
        if self.watchers:
            for watch in tuple(self.watchers):
                watch(self, chunk)

    def show(self, chunk: bytes) -> None:
        """Queue the chunk on the console, each line prefixed, invalid UTF-8 replaced."""
        if self._pending or not chunk.isascii():
            chunk = self._decoder.decode(chunk).encode()
            self._pending = bool(self._decoder.getstate()[0])
        if self._held or needs_care(chunk):
            chunk, self._held = clean(self._held + chunk)
            chunk = end_colours(chunk)
        if self.names is not None:
            chunk = self.names(chunk)
        if chunk:
            self._queue(chunk)

    def _queue(self, chunk: bytes) -> None:
        console = self.console
        if console.owner is not None and console.owner is not self:
            console.break_line()
        ends = chunk.endswith(b"\n")
        out = (chunk[:-1] if ends else chunk).replace(b"\n", self._sep)
        if b"\r" in out:
            out = out.replace(b"\r", self._redraw)
        if self.at_line_start:
            out = self.prefix + out
        if ends:
            console.parts += (out, b"\n")  # one list extend; the join copies them once anyway
            console.owner = None
        else:
            console.parts.append(out)
            console.owner = self
        self.at_line_start = ends

    def finish(self) -> None:
        """End of file: flush a pending partial character and end a partial line."""
        rest = self._decoder.decode(b"", final=True).encode()
        self._held = b""  # an escape never finished, a last carriage return: nothing to show
        if rest:
            self.show(rest)
        if self.console.owner is self:
            self.console.break_line()
