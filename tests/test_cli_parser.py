"""`mdrun` builds only the subcommand its command line names (`cli._parser(argv)`): every help
text, usage error and parsed namespace must be what the parser with every subcommand built
gives."""

from __future__ import annotations

import argparse
import itertools

import pytest

from mdrun.cli import SUBCOMMANDS, _normalise_argv, _parser
from tests.conftest import run_mdrun

_SAMPLES = [
    [],
    ["-h"],
    ["--help"],
    ["--version"],
    ["--vers"],
    ["nosuch"],
    ["run.md", "--nosuch"],
    ["-e", "A=1", "run.md"],
    ["plan"],
    ["plan", "a.md", "b.md", "--format", "json", "--choose", "x=y"],
    ["plan", "a.md", "--format", "nosuch"],
    ["plan", "--fail-on", "a.md"],
    ["list", "a.md", "--format=json", "--store", "S", "--base-path", "B"],
    ["list", "a.md", "b.md"],
    ["run", "a.md", "--grace", "x"],
    ["run", "a.md", "--grace", "1.5", "-e", "K=V", "--dry-run", "--", "-x"],
    ["attach"],
    ["attach", "j1", "--ray", "http://h:8265"],
    ["profile", "nosuch"],
    ["profile", "import", "n", "src"],
    ["check", "--format", "github", "."],
    ["diff", "--base", "HEAD~1", "--exit-code", "."],
    ["expand", "a.md", "--allow-url", "--allow-outside-root"],
    ["plan", "--version"],
]
_SAMPLES += [[name, flag] for name, flag in itertools.product(SUBCOMMANDS, ("-h", "--help"))]


def _outcome(
    parser: argparse.ArgumentParser, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[object, object]:
    try:
        result: object = vars(parser.parse_args(argv))
    except SystemExit as exc:
        result = ("exit", exc.code)
    return result, capsys.readouterr()


@pytest.mark.parametrize("raw", _SAMPLES, ids=" ".join)
def test_the_parser_for_a_command_line_parses_it_as_the_whole_parser(
    raw: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _normalise_argv(raw)
    assert _outcome(_parser(argv), argv, capsys) == _outcome(_parser(), argv, capsys)


def test_the_parser_for_a_subcommand_lacks_the_others_arguments(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What makes it cheaper; without this the test above would pass with everything built.
    argv = ["plan", "a.md", "--format", "json"]
    assert _outcome(_parser(["plan"]), argv, capsys)[0] == vars(_parser().parse_args(argv))
    assert _outcome(_parser(["list"]), argv, capsys)[0] == ("exit", 2)


@pytest.mark.parametrize("command", list(SUBCOMMANDS))
def test_help_of_every_subcommand_from_the_command_line(command: str) -> None:
    proc = run_mdrun(command, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"usage: mdrun {command} [-h]")
    assert proc.stdout.count("\n") > 3
    top = run_mdrun("--help")
    assert f"    {command}" in top.stdout
    assert SUBCOMMANDS[command][0].split()[0] in top.stdout
