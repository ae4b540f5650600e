"""On a real pseudo-terminal: input reaches sync blocks, partial lines join under the live
area, control characters cannot redraw mdrun's screen, and the logs stay byte-exact."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.helpers.screen import run_on_terminal, screen

pytestmark = pytest.mark.timeout(60)
ENV = {**os.environ, "NO_COLOR": "1", "TERM": "xterm"}


def _mdrun_on_terminal(tmp_path: Path, text: str, **kwargs: object) -> tuple[int, bytes, list[str]]:
    (tmp_path / "rb.md").write_text(text)
    argv = [sys.executable, "-m", "mdrun", "rb.md", "--log-dir", "logs", "--grace", "1"]
    code, out = run_on_terminal(argv, tmp_path, ENV, **kwargs)  # type: ignore[arg-type]
    return code, out, screen(out)


def test_a_sync_block_reads_the_terminal(tmp_path: Path) -> None:
    code, out, shown = _mdrun_on_terminal(
        tmp_path,
        '```bash {name=ask}\nread -r -p "Name? " N\necho "hello $N"\n```\n',
        answers={b"Name? ": b"Alice\n"},
    )
    assert code == 0, out
    assert "[ask] hello Alice" in shown


def test_pty_true_gives_stdin_a_terminal_of_the_right_size(tmp_path: Path) -> None:
    body = 'tty >/dev/null && echo "stdin is a tty"; stty size\n'
    code, out, shown = _mdrun_on_terminal(
        tmp_path, f"```bash {{name=t pty=true}}\n{body}```\n", size=(33, 101)
    )
    assert code == 0, out
    assert "[t] stdin is a tty" in shown and "[t] 33 101" in shown


def test_partial_writes_join_on_the_live_view(tmp_path: Path) -> None:
    text = (
        "```bash {name=srv async=true}\necho up; sleep 30\n```\n\n"
        "```bash {name=dl}\nprintf 'Downloading... '; sleep 0.6; echo done\n```\n"
    )
    code, out, shown = _mdrun_on_terminal(tmp_path, text)
    assert code == 0, out
    assert b"\x1b[J" in out  # the live area was drawn (and erased)
    assert "[dl] Downloading... done" in shown, shown
    assert (tmp_path / "logs" / "dl.log").read_bytes() == b"Downloading... done\n"


def test_control_characters_cannot_redraw_the_screen_and_logs_stay_exact(
    tmp_path: Path,
) -> None:
    body = (
        r"printf 'before\n\033[2J\033[H\033]0;title\007'; printf '\033[31mred\033[0m\n'"
        "\n"
        r"printf '10%%\r50%%\r100%%\n'; printf 'bell\007 back\bspace\n'"
        "\n"
    )
    code, out, shown = _mdrun_on_terminal(tmp_path, f"```bash {{name=p}}\n{body}```\n")
    assert code == 0, out
    assert b"\x1b[2J" not in out and b"\x1b[H" not in out and b"\x1b]0;" not in out
    assert b"\x1b[31mred\x1b[0m" in out  # colours are kept
    assert "[p] before" in shown and "[p] red" in shown
    assert "[p] 100%" in shown  # the progress redraw kept the prefix
    assert "[p] bell backspace" in shown
    log = (tmp_path / "logs" / "p.log").read_bytes()
    assert log == (
        b"before\n\x1b[2J\x1b[H\x1b]0;title\x07\x1b[31mred\x1b[0m\n10%\r50%\r100%\n"
        b"bell\x07 back\x08space\n"
    )


def test_summary_in_run_order_fits_a_narrow_terminal_and_the_panel_drops_skipped(
    tmp_path: Path,
) -> None:
    text = (
        "```bash {name=tidy finally=true}\necho tidy\n```\n\n"
        "```bash {name=never async=true when='[ -n \"$NOPE_UNSET_X\" ]'}\nsleep 30\n```\n\n"
        "```bash {name=srv async=true}\necho up; sleep 30\n```\n\n"
        "```bash {name=work}\nsleep 0.8; echo worked\n```\n"
    )
    code, out, shown = _mdrun_on_terminal(tmp_path, text, size=(24, 40))
    assert code == 0, out
    panel = [line for line in shown if line.startswith("●")]
    assert not any("never" in line for line in panel)
    assert b"\xe2\x97\x8f never" not in out  # never drawn at any moment
    table = shown[next(i for i, line in enumerate(shown) if "mdrun summary" in line) :]
    assert all(len(line) <= 40 for line in table), table
    rows = [line.split()[1] for line in table if line.startswith("│") and "block" not in line]
    names = [n for n in rows if n in ("tidy", "never", "srv", "work")]
    assert names == ["never", "srv", "work", "tidy"], table
