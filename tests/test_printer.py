"""Per-chunk output handling: prefixes across chunk boundaries, interleaving, bad UTF-8, full disks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mdrun.run.output import BlockLog, ConsoleOut, Sink, prefixes

pytestmark = pytest.mark.timeout(10)


class Setup:
    def __init__(self, tmp_path: Path) -> None:
        self.out_path = tmp_path / "console"
        self.fd = os.open(self.out_path, os.O_WRONLY | os.O_CREAT)
        self.console = ConsoleOut(self.fd)
        self.errors: list[OSError] = []
        self.tmp = tmp_path

    def sink(self, name: str, index: int = 0, err: bool = False, path: str | None = None) -> Sink:
        log = BlockLog(
            path or str(self.tmp / f"{name}.log"), lambda _log, exc: self.errors.append(exc)
        )
        return Sink(log, self.console, prefixes(name, index, colour=False)[err])

    def shown(self) -> bytes:
        self.console.flush()
        return self.out_path.read_bytes()


def test_lines_split_across_chunks_get_one_prefix_each(tmp_path: Path) -> None:
    s = Setup(tmp_path)
    a = s.sink("a")
    for chunk in (b"one\ntw", b"o\n", b"\nthree", b"\n"):
        a.feed(chunk)
    assert s.shown() == b"[a] one\n[a] two\n[a] \n[a] three\n"
    assert (tmp_path / "a.log").read_bytes() == b"one\ntwo\n\nthree\n"
    assert a.log.lines == 4


def test_a_partial_line_is_ended_when_another_block_writes(tmp_path: Path) -> None:
    s = Setup(tmp_path)
    a, b = s.sink("a"), s.sink("b", 1, err=True)
    a.feed(b"progress 10%")
    b.feed(b"boom\n")
    a.feed(b" 20%\n")
    assert s.shown() == b"[a] progress 10%\n[b]! boom\n[a]  20%\n"
    assert (tmp_path / "a.log").read_bytes() == b"progress 10% 20%\n"


def test_invalid_utf8_is_replaced_on_the_console_only_and_split_characters_survive(
    tmp_path: Path,
) -> None:
    s = Setup(tmp_path)
    a = s.sink("a")
    e_acute = "é".encode()
    a.feed(b"caf" + e_acute[:1])
    a.feed(e_acute[1:] + b" \xff\n")
    assert s.shown().decode() == "[a] café \ufffd\n"
    assert (tmp_path / "a.log").read_bytes() == b"caf\xc3\xa9 \xff\n"


def test_a_long_line_is_shown_in_pieces_as_it_arrives(tmp_path: Path) -> None:
    s = Setup(tmp_path)
    a = s.sink("a")
    a.feed(b"x" * 1000)
    assert s.shown() == b"[a] " + b"x" * 1000
    a.feed(b"y" * 10 + b"\n")
    assert s.shown() == b"[a] " + b"x" * 1000 + b"y" * 10 + b"\n"


def test_a_full_disk_is_reported_once_and_the_console_goes_on(tmp_path: Path) -> None:
    s = Setup(tmp_path)
    a = s.sink("a", path="/dev/full")
    a.feed(b"one\n")
    a.feed(b"two\n")
    assert len(s.errors) == 1 and "No space" in str(s.errors[0])
    assert s.shown() == b"[a] one\n[a] two\n" and a.log.lines == 2


def test_colour_prefixes_mark_stderr_differently() -> None:
    out, err = prefixes("a", 0, colour=True)
    assert out != err and b"\x1b[" in out and b"!" in err
