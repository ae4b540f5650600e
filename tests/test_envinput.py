"""The initial environment: process environment, then env files, then `-e`; files are parsed,
never sourced."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdrun.errors import MdrunError, UsageError
from mdrun.model import EnvValue, Source
from mdrun.plan.environment import initial_environment


def write(tmp_path: Path, text: str, name: str = "vars.env") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_later_sources_win_and_are_named(tmp_path: Path) -> None:
    f = write(tmp_path, "A=file\nB=file\n")
    env = initial_environment({"A": "proc", "B": "proc", "C": "proc"}, ["A=cli"], [f])
    assert env["A"] == EnvValue("cli", Source("option"))
    assert env["B"] == EnvValue("file", Source("env-file", f"{f}:2"))
    assert env["C"] == EnvValue("proc", Source("process"))


def test_second_env_file_overrides_first(tmp_path: Path) -> None:
    one = write(tmp_path, "X=1\n", "one.env")
    two = write(tmp_path, "X=2\n", "two.env")
    assert initial_environment({}, [], [one, two])["X"].value == "2"


@pytest.mark.parametrize(
    ("line", "name", "value"),
    [
        ("KEY=value", "KEY", "value"),
        ("export KEY=value", "KEY", "value"),
        ("  KEY=value  ", "KEY", "value"),
        ("KEY=", "KEY", ""),
        ("KEY='single quoted $X'", "KEY", "single quoted $X"),
        ('KEY="double quoted"', "KEY", "double quoted"),
        ('KEY="a # not a comment"  # comment', "KEY", "a # not a comment"),
        ("KEY=bare # comment", "KEY", "bare"),
        ("KEY=a=b=c", "KEY", "a=b=c"),
        ("KEY=$(echo hi)", "KEY", "$(echo hi)"),
        ("_k9=x", "_k9", "x"),
    ],
)
def test_env_file_lines(tmp_path: Path, line: str, name: str, value: str) -> None:
    f = write(tmp_path, f"# header\n\n{line}\n")
    assert initial_environment({}, [], [f])[name] == EnvValue(value, Source("env-file", f"{f}:3"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("no equals sign", "expected NAME=VALUE"),
        ("1BAD=x", "expected NAME=VALUE"),
        ("KEY='unterminated", "unterminated ' quote"),
        ('KEY="a" trailing', "unexpected text after the closing quote"),
        ("export", "expected NAME=VALUE"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    f = write(tmp_path, f"OK=1\n{line}\n")
    with pytest.raises(UsageError) as info:
        initial_environment({}, [], [f])
    assert str(info.value).startswith(f"{f}:2: ")
    assert message in str(info.value)


def test_missing_env_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(MdrunError, match="cannot read"):
        initial_environment({}, [], [str(tmp_path / "absent.env")])


@pytest.mark.parametrize(
    ("item", "message"), [("NOEQUALS", "expected NAME=VALUE"), ("9X=1", "not a valid")]
)
def test_bad_assignments(item: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        initial_environment({}, [item], [])


def test_assignment_value_keeps_equals_and_may_be_empty() -> None:
    env = initial_environment({}, ["A=x=y", "B="], [])
    assert (env["A"].value, env["B"].value) == ("x=y", "")


def test_nothing_in_env_files_or_assignments_is_executed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    canary = tmp_path / "CANARY"
    f = write(
        tmp_path,
        f'A=$(touch {canary})\nexport B=`touch {canary}`\nC="$(touch {canary})"\n',
    )
    env = initial_environment({}, [f"D=$(touch {canary})"], [f])
    assert env["A"].value == f"$(touch {canary})"
    assert env["B"].value == f"`touch {canary}`"
    assert not canary.exists()
