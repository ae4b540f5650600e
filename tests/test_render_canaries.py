"""Canaries: `mdrun plan` in every format and `mdrun check` execute nothing from the runbook.

Every place a runbook can hold shell (guards, `when=`, exports, bodies, included files, env
files, frontmatter inputs, include paths) holds `$(touch CANARY)` or backticks; after each
command, no canary file may exist.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_mdrun

pytestmark = pytest.mark.timeout(120)


def _runbook(root: Path) -> Path:
    c = root / "canary"

    def touch(n: int) -> str:
        return f"$(touch {c}-{n})"

    (root / "part.md").write_text(
        f"Included.\n\n```shell\nexport FROM_INCLUDE={touch(1)}\ntouch {c}-2\n```\n"
    )
    (root / "vars.env").write_text(f"FROM_FILE={touch(3)}\nOTHER=`touch {c}-4`\n")
    runbook = root / "rb.md"
    runbook.write_text(
        "---\n"
        "inputs:\n"
        f"  MODE: [fast, '{touch(5)}']\n"
        "---\n"
        "# Canaries\n\n"
        f'--8<-- "part.md"\n\n'
        "```shell {name=guard}\n"
        f'if [ "{touch(6)}" = x ] || [ -n "`touch {c}-7`" ]; then echo guarded; fi\n'
        "```\n\n"
        "```shell {name=exports}\n"
        f"export A={touch(8)}\nB=`touch {c}-9`; export B\nexport C=$A$B\n"
        "```\n\n"
        f"```shell {{name=when when='test -n \"{touch(10)}\"'}}\n"
        f"touch {c}-11\n"
        "```\n\n"
        "```shell {name=async async=true}\n"
        f"while true; do touch {c}-12; sleep 1; done\n"
        "```\n\n"
        "```shell {name=later}\n"
        f'if [ "$A" = "$FROM_FILE" ]; then touch {c}-13; fi\n'
        "```\n"
    )
    return runbook


COMMANDS = [
    ["plan", "--format", "text"],
    ["plan", "--format", "markdown"],
    ["plan", "--format", "json"],
    ["plan", "--format", "sh"],
    ["plan", "--format", "json", "--show-secrets"],
    ["run", "--dry-run", "--format", "sh"],
    ["check"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c).replace("--", ""))
def test_nothing_executes(tmp_path: Path, command: list[str]) -> None:
    runbook = _runbook(tmp_path)
    args = [*command, str(runbook)]
    if command[0] != "check":
        args += ["--env-file", str(tmp_path / "vars.env"), "-e", f"X=$(touch {tmp_path}/c-14)"]
    env = {**os.environ, "NO_COLOR": "1", "CANARY_ENV": f"$(touch {tmp_path}/c-15)"}
    result = run_mdrun(*args, cwd=tmp_path, env=env)
    assert result.returncode in (0, 1), result.stderr  # check exits 1: it has findings
    assert "Traceback" not in result.stderr
    # It did render something: check prints findings, or its note that shellcheck is missing.
    assert result.stdout or (
        command == ["check"] and "shellcheck is not installed" in result.stderr
    )
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("canary", "c-")))
    assert leftovers == []


def test_the_canaries_are_live(tmp_path: Path) -> None:
    """Control: running the sh render for real does touch them, so the test above can fail."""
    runbook = _runbook(tmp_path)
    env = {**os.environ, "NO_COLOR": "1", "MDRUN_LOG_DIR": str(tmp_path / "logs")}
    script = run_mdrun(
        "plan", "--format", "sh", str(runbook), cwd=tmp_path, env=env, check=True
    ).stdout
    subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env={**env, "MDRUN_GRACE": "1"},
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    touched = {p.name for p in tmp_path.iterdir() if p.name.startswith("canary")}
    assert {"canary-1", "canary-2", "canary-8", "canary-9"} <= touched


@pytest.mark.parametrize("command", [["plan", "--format", "sh"], ["check"]], ids=["plan", "check"])
def test_nothing_executes_from_include_paths(tmp_path: Path, command: list[str]) -> None:
    runbook = tmp_path / "rb.md"
    runbook.write_text(f'# x\n\n--8<-- "$(touch {tmp_path}/canary-p).md"\n\n```shell\necho\n```\n')
    result = run_mdrun(*command, str(runbook), cwd=tmp_path, env=os.environ)
    # plan: the include is a user error (exit 2); check: it is a finding (exit 1).
    assert result.returncode == (1 if command == ["check"] else 2), result.stderr
    assert "not found" in result.stdout + result.stderr
    assert not any(p.name.startswith("canary") for p in tmp_path.iterdir())
