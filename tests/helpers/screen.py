"""A person at a terminal: run a command on a sized pseudo-terminal, type when a prompt shows,
and read the screen it leaves (a small terminal model: enough for mdrun's own output)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import termios
import time
from collections.abc import Mapping
from pathlib import Path

_CSI = re.compile(rb"\x1b\[([0-9;?]*)([@-~])")


def run_on_terminal(
    argv: list[str],
    cwd: Path,
    env: Mapping[str, str],
    size: tuple[int, int] | None = (24, 80),
    answers: Mapping[bytes, bytes] | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes]:
    """Exit code and every byte written to the terminal; `answers` maps a prompt to what is
    typed once it appears. `size` is (rows, columns); None leaves the terminal unsized (0x0,
    as under `script`)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execve(argv[0], argv, dict(env))
    if size is not None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    pending, out = dict(answers or {}), b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the command exited and the terminal closed
            break
        if not data:
            break
        out += data
        for prompt in [p for p in pending if p in out]:
            os.write(fd, pending.pop(prompt))
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out


def screen(data: bytes) -> list[str]:
    """The lines a terminal shows after `data` (never scrolled away), trailing blanks removed."""
    lines: list[list[str]] = [[]]
    row = col = 0
    i = 0
    raw = data.decode(errors="replace").encode()
    while i < len(raw):
        match = _CSI.match(raw, i)
        if match is not None:
            row, col = _csi(lines, row, col, match.group(1).decode(), match.group(2).decode())
            i = match.end()
            continue
        char_len = _utf8_len(raw[i])
        char = raw[i : i + char_len].decode(errors="replace")
        i += char_len
        if char == "\n":
            row, col = row + 1, 0
        elif char == "\r":
            col = 0
        elif char >= " ":
            while len(lines) <= row:
                lines.append([])
            line = lines[row]
            line.extend(" " * (col + 1 - len(line)))
            line[col] = char
            col += 1
        while len(lines) <= row:
            lines.append([])
    return ["".join(line).rstrip() for line in lines]


def _utf8_len(first: int) -> int:
    return 1 if first < 0xC0 else 2 if first < 0xE0 else 3 if first < 0xF0 else 4


def _csi(lines: list[list[str]], row: int, col: int, args: str, final: str) -> tuple[int, int]:
    n = int(args.split(";")[0]) if args[:1].isdigit() else 1
    while len(lines) <= row:
        lines.append([])
    if final == "F":
        return max(0, row - n), 0
    if final == "A":
        return max(0, row - n), col
    if final == "J":
        del lines[row + 1 :]
        del lines[row][col:]
    elif final == "K":
        del lines[row][col:]
    elif final == "H":
        return 0, 0
    return row, col
