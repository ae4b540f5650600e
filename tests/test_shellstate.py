"""The wrapper that carries exports, unsets and cds from one bash block to the next."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from mdrun.run.handoff import ShellState, read_state, wrapper_script

pytestmark = pytest.mark.timeout(20)


def run_block(tmp_path: Path, body: str, start: ShellState) -> tuple[int, ShellState]:
    (tmp_path / "body.sh").write_text(body)
    state = tmp_path / "state"
    (tmp_path / "w.sh").write_text(wrapper_script(str(tmp_path / "body.sh"), str(state)))
    p = subprocess.run(
        ["bash", str(tmp_path / "w.sh")], env=dict(start.env), cwd=start.cwd, check=False
    )
    return p.returncode, read_state(str(state), start)


def start(tmp_path: Path) -> ShellState:
    return ShellState({"PATH": os.environ["PATH"], "KEEP": "k", "GONE": "g"}, str(tmp_path))


def test_every_change_is_kept_not_only_the_first(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    body = (
        "export A=1\nexport A=2 B='two words'\nunset GONE\ncd d\nexport C=$'a\\nb'\nV=notexported\n"
    )
    code, state = run_block(tmp_path, body, start(tmp_path))
    assert code == 0
    assert state.cwd == str(tmp_path / "d")
    assert {k: state.env.get(k) for k in ("A", "B", "C", "KEEP", "GONE", "V")} == {
        "A": "2",
        "B": "two words",
        "C": "a\nb",
        "KEEP": "k",
        "GONE": None,
        "V": None,
    }
    assert "SHLVL" not in state.env and "_" not in state.env


def test_the_exit_status_survives_the_trap_and_the_state_is_still_dumped(tmp_path: Path) -> None:
    code, state = run_block(tmp_path, "export X=1\nexit 7\n", start(tmp_path))
    assert code == 7 and state.env["X"] == "1"
    code, state = run_block(tmp_path, "export Y=1\nfalse\nexport Z=1\n", start(tmp_path))
    assert code == 1 and state.env["Y"] == "1" and "Z" not in state.env  # set -e


def test_a_block_killed_without_a_dump_keeps_the_previous_state(tmp_path: Path) -> None:
    before = start(tmp_path)
    code, state = run_block(tmp_path, "export X=1\nkill -9 $$\n", before)
    assert code == -9 and state == before


def test_a_dump_cut_short_is_ignored(tmp_path: Path) -> None:
    previous = ShellState(env={"KEEP": "1"}, cwd="/")
    state = tmp_path / "state"
    state.write_bytes(b"/tmp\0PATH=/usr/bin\0HALF=wr")  # killed while its EXIT trap wrote
    assert read_state(str(state), previous) == previous


def test_a_blocks_own_exit_trap_runs_and_the_state_still_carries(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    body = "export X=1\ncd d\ntrap 'echo \"bye $?\" > ../trap.out' EXIT\nexit 4\n"
    code, state = run_block(tmp_path, body, start(tmp_path))
    assert code == 4
    assert (tmp_path / "trap.out").read_text() == "bye 4\n"
    assert state.env.get("X") == "1" and state.cwd == str(tmp_path / "d")


def test_clearing_or_resetting_exit_traps_keeps_the_hand_off(tmp_path: Path) -> None:
    body = (
        "trap 'echo one' EXIT\ntrap - EXIT\ntrap EXIT\ntrap '' 0\ntrap 'echo x' INT\n"
        "trap -p > traps.out\nexport Y=2\n"
    )
    code, state = run_block(tmp_path, body, start(tmp_path))
    assert code == 0 and state.env.get("Y") == "2"
    assert (tmp_path / "traps.out").read_text() == "trap -- 'echo x' SIGINT\n"


def test_an_exit_in_the_blocks_trap_sets_its_status_and_subshell_traps_still_run(
    tmp_path: Path,
) -> None:
    body = (
        "( trap 'echo sub > sub.out' EXIT; true )\n"
        "trap 'exit 9' EXIT\nexport Z=3\ntrap -p EXIT > exit.out\n"
    )
    code, state = run_block(tmp_path, body, start(tmp_path))
    assert code == 9 and state.env.get("Z") == "3"
    assert (tmp_path / "sub.out").read_text() == "sub\n"
    assert (tmp_path / "exit.out").read_text() == "trap -- 'exit 9' EXIT\n"
