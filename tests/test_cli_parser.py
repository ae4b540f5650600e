"""`mdrun` builds only the subcommand its command line names
(`cli.parser.build_parser(argv)`): every help text, usage error and parsed namespace must be
what the parser with every subcommand built gives."""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mdrun.cli import _handler, main
from mdrun.cli.parser import SUBCOMMANDS, build_parser, normalise_argv
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
    argv = normalise_argv(raw)
    assert _outcome(build_parser(argv), argv, capsys) == _outcome(build_parser(), argv, capsys)


def test_the_parser_for_a_subcommand_lacks_the_others_arguments(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What makes it cheaper; without this the test above would pass with everything built.
    argv = ["plan", "a.md", "--format", "json"]
    assert _outcome(build_parser(["plan"]), argv, capsys)[0] == vars(
        build_parser().parse_args(argv)
    )
    assert _outcome(build_parser(["list"]), argv, capsys)[0] == ("exit", 2)


@pytest.mark.parametrize("command", list(SUBCOMMANDS))
def test_help_of_every_subcommand_from_the_command_line(command: str) -> None:
    proc = run_mdrun(command, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"usage: mdrun {command} [-h]")
    assert proc.stdout.count("\n") > 3
    top = run_mdrun("--help")
    assert f"    {command}" in top.stdout
    assert SUBCOMMANDS[command][0].split()[0] in top.stdout


@pytest.mark.parametrize("command", list(SUBCOMMANDS))
def test_every_subcommand_runs_the_command_of_its_own_module(command: str) -> None:
    handler = _handler(command)
    assert handler.__module__ == f"mdrun.cli.commands.{command}"
    assert handler.__name__ == "command"


@pytest.mark.parametrize("command", ["expand", "list", "plan", "check", "run"])
def test_a_subcommand_imports_no_other_subcommands_module(command: str, tmp_path: Path) -> None:
    (tmp_path / "rb.md").write_text("# T\n\n```bash\necho hi\n```\n")
    code = (
        "import json, sys\n"
        "from mdrun.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('mdrun.cli.'))),"
        " file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, command, "rb.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    loaded = set(json.loads(proc.stderr.splitlines()[-1]))
    assert f"mdrun.cli.commands.{command}" in loaded
    assert not loaded & {f"mdrun.cli.commands.{name}" for name in SUBCOMMANDS if name != command}


def test_main_runs_one_subcommand_after_another_in_one_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Importing a subcommand's module must not rebind a name main uses (a `cli/list.py` did:
    # the second call found the module where the builtin `list` had been).
    runbook = tmp_path / "rb.md"
    runbook.write_text("# T\n\n```bash\necho hi\n```\n")
    for command in ["list", "plan", "list", "expand", "list"]:
        assert main([command, str(runbook)]) == 0, command
    assert capsys.readouterr().out.count("echo hi") == 5
