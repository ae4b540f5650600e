"""What block output may do to the console, chunk by chunk (run/terminal.py)."""

from __future__ import annotations

from mdrun.run.terminal import SourceNames, clean, end_colours, needs_care, visible_width


def test_colours_stay_and_screen_control_goes() -> None:
    out, held = clean(b"\x1b[2J\x1b[1;1H\x1b]0;t\x07\x1b[31mred\x1b[0m \x07\x08x\x1b(B\n")
    assert (out, held) == (b"\x1b[31mred\x1b[0m x\n", b"")


def test_a_sequence_or_crlf_cut_by_the_chunk_end_waits_for_the_next_chunk() -> None:
    out, held = clean(b"50%\x1b[3")
    assert (out, held) == (b"50%", b"\x1b[3")
    assert clean(held + b"1mred\n") == (b"\x1b[31mred\n", b"")
    assert clean(b"done\r") == (b"done", b"\r")
    assert clean(b"\r\nnext\r") == (b"\nnext", b"\r")


def test_plain_text_takes_the_fast_path() -> None:
    assert not needs_care(b"plain text\twith tabs\n\xc3\xa9t\xc3\xa9\n")
    assert needs_care(b"a\rb") and needs_care(b"\x1b[m") and needs_care("\x9b2J".encode())


def test_wide_characters_and_colours_in_widths() -> None:
    assert visible_width("\x1b[31m日本\x1b[0mab".encode()) == 6


def test_bash_locations_in_temp_files_become_the_runbooks() -> None:
    names = SourceNames("/t/1.body.sh", ("rb.md:4", "rb.md:5"), "/t/1.sh", "rb.md:3")
    text = b"/t/1.body.sh: line 2: x: command not found\n/t/1.sh: line 9: [: missing `]'\n"
    assert names(text) == b"rb.md:5: x: command not found\nrb.md:3: [: missing `]'\n"


def test_only_lines_that_set_a_colour_get_a_reset() -> None:
    data = b"plain\n\x1b[32mgreen\nstill plain\n\x1b[1mbold\x1b[0m\npartial \x1b[31mred"
    assert end_colours(data) == (
        b"plain\n\x1b[32mgreen\x1b[0m\nstill plain\n\x1b[1mbold\x1b[0m\npartial \x1b[31mred"
    )
