"""Asking on a terminal: an arrow-key select list for a question, a checklist for a multi-select
one (space toggles, Enter accepts), a text field for a form field.

The terminal is put in raw mode only while a prompt reads keys, and restored whatever happens.
Ctrl-C (or Ctrl-D) at a prompt raises `KeyboardInterrupt`: before the run starts
`errors.error_handler` turns it into exit 130; during a run the supervisor stops the run as it
does for a Ctrl-C during a block (cleanups run, logs and run.json kept, exit 130).
"""

from __future__ import annotations

import codecs
import os
import select
import termios
import tty
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

UP = ("\x1b[A", "\x1bOA", "k")
DOWN = ("\x1b[B", "\x1bOB", "j")
ENTER = ("\r", "\n")
TOGGLE = " "
INTERRUPT = ("\x03", "\x04")
BACKSPACE = ("\x7f", "\x08")
VISIBLE = 10
"""The most answers shown at once."""


class Prompter(Protocol):
    """What asking needs: pick one of several answers, or type a value."""

    def select(self, question: str, options: Sequence[str]) -> int:
        """The index of the answer picked."""

    def text(self, question: str, default: str | None) -> str:
        """The value typed (the default when nothing is)."""

    def multiselect(self, question: str, options: Sequence[str]) -> list[int]:
        """The indices of the answers picked (at least one), in the order offered."""


def interactive() -> bool:
    """Whether a person can be asked: stdin and stderr are terminals."""
    return os.isatty(0) and os.isatty(2)


class TerminalPrompter:
    """Prompts on a terminal: keys read from `in_fd`, drawn on `out_fd` (stdin, stderr)."""

    def __init__(self, in_fd: int = 0, out_fd: int = 2) -> None:
        self.in_fd = in_fd
        self.out_fd = out_fd
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def _write(self, text: str) -> None:
        os.write(self.out_fd, text.replace("\n", "\r\n").encode())

    @contextmanager
    def _raw(self) -> Iterator[None]:
        saved = termios.tcgetattr(self.in_fd)
        tty.setraw(self.in_fd, termios.TCSANOW)
        try:
            self._write("\x1b[?25l")  # hide the cursor while drawing
            yield
        finally:
            self._write("\x1b[?25h")
            termios.tcsetattr(self.in_fd, termios.TCSADRAIN, saved)

    @contextmanager
    def _cleared(self, question: str, rows: int) -> Iterator[None]:
        """Take the list away when it is answered; on Ctrl-C, say so in its place."""
        try:
            yield
        except KeyboardInterrupt:
            self._write(f"\x1b[{rows + 1}A\r\x1b[J? {question}: interrupted\n")
            raise
        self._write(f"\x1b[{rows + 1}A\r\x1b[J")

    def _key(self) -> str:
        """One key: a character, or a whole escape sequence (arrows)."""
        first = os.read(self.in_fd, 1)
        if first != b"\x1b":
            return self._decoder.decode(first) or self._key()
        seq = first
        while len(seq) < 3 and select.select([self.in_fd], [], [], 0.05)[0]:
            seq += os.read(self.in_fd, 1)
        return seq.decode("ascii", "replace")

    def select(self, question: str, options: Sequence[str]) -> int:
        """Draw the list, move with ↑/↓ (or k/j, or a digit), pick with Enter."""
        current = 0
        rows = min(len(options), VISIBLE)
        with self._raw():
            self._write(f"? {question}\n")
            self._draw(options, current, rows, first=True)
            with self._cleared(question, rows):
                while (key := self._key()) not in ENTER:
                    current = _move(key, current, len(options))
                    self._draw(options, current, rows)
        self._write(f"? {question}: {options[current]}\n")
        return current

    def multiselect(self, question: str, options: Sequence[str]) -> list[int]:
        """A checklist: move with ↑/↓ (or k/j, or a digit), toggle with space, accept with
        Enter once at least one is ticked (madwizard, too, refuses an empty pick)."""
        current = 0
        picked: set[int] = set()
        rows = min(len(options), VISIBLE)
        with self._raw():
            self._write(f"? {question} (space selects, Enter accepts)\n")
            self._draw(options, current, rows, first=True, ticked=picked)
            with self._cleared(question, rows):
                while (key := self._key()) not in ENTER or not picked:
                    if key == TOGGLE:
                        picked ^= {current}
                    elif key not in ENTER:
                        current = _move(key, current, len(options))
                    self._draw(options, current, rows, ticked=picked)
        chosen = sorted(picked)
        self._write(f"? {question}: {', '.join(options[i] for i in chosen)}\n")
        return chosen

    def _draw(
        self,
        options: Sequence[str],
        current: int,
        rows: int,
        first: bool = False,
        ticked: set[int] | None = None,
    ) -> None:
        """`rows` options around the current one (a long dynamic list scrolls); with `ticked`,
        each with its check box."""
        if not first:
            self._write(f"\x1b[{rows}A")
        top = min(max(current - rows // 2, 0), len(options) - rows)
        for i in range(top, top + rows):
            mark = "\x1b[1;36m>" if i == current else " "
            box = "" if ticked is None else "[x] " if i in ticked else "[ ] "
            self._write(f"\r\x1b[2K{mark} {box}{options[i]}\x1b[0m\n")

    def text(self, question: str, default: str | None) -> str:
        """A one-line field; Enter with nothing typed takes the default."""
        hint = f" [{default}]" if default else ""
        typed = ""
        with self._raw():
            self._write(f"? {question}{hint}: ")
            while (key := self._key()) not in ENTER:
                typed = self._edit(typed, key)
            self._write("\r\x1b[2K")
        value = typed or (default or "")
        self._write(f"? {question}: {value}\n")
        return value

    def _edit(self, typed: str, key: str) -> str:
        if key in INTERRUPT:
            raise KeyboardInterrupt
        if key in BACKSPACE and typed:
            self._write("\b \b")
            return typed[:-1]
        if key.isprintable() and not key.startswith("\x1b"):
            self._write(key)
            return typed + key
        return typed


def _move(key: str, current: int, count: int) -> int:
    if key in INTERRUPT:
        raise KeyboardInterrupt
    if key in UP:
        return (current - 1) % count
    if key in DOWN:
        return (current + 1) % count
    if key.isdigit() and 1 <= int(key) <= count:
        return int(key) - 1
    return current


PromptFactory = Callable[[], Prompter]
"""Makes the prompter when one is needed (tests give their own)."""
