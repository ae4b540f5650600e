"""`mdrun check PATH…` and `mdrun plan PATH…`: directories, ignore files, `--exclude`, and
`check`'s text, JSON and GitHub formats, each through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mdrun.lint.check import check_runbook, check_runbooks
from mdrun.model import LoadOptions

pytestmark = pytest.mark.timeout(60)

SPIN = "```shell\nwhile true; do if ready; then break; sleep 1; fi; done\n```\n"
CLEAN = "```shell\necho hello\n```\n"


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _mdrun(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m mdrun ARGS` in `root`; `env` adds to this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "mdrun", *args], cwd=root, capture_output=True, text=True,
        timeout=60, check=False, env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )  # fmt: skip


def _paths(out: str) -> list[str]:
    return sorted({line.split(":")[0] for line in out.splitlines() if ": MD" in line})


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    _tree(
        tmp_path,
        {
            "docs/a.md": f"# A\n\n{SPIN}",
            "docs/ok.md": f"# Ok\n\n{CLEAN}",
            "docs/drafts/b.md": f"# B\n\n{SPIN}",
            "docs/deep/er/c.md": f"# C\n\n{SPIN}",
            "docs/.hidden/d.md": f"# D\n\n{SPIN}",
            "docs/notes.txt": SPIN,
            "top.md": f"# Top\n\n{CLEAN}",
        },
    )
    return tmp_path


def test_a_directory_is_every_md_below_it_hidden_directories_left_out(docs: Path) -> None:
    p = _mdrun(docs, "check", "docs", "top.md")
    assert p.returncode == 1, p.stderr
    assert _paths(p.stdout) == ["docs/a.md", "docs/deep/er/c.md", "docs/drafts/b.md"]
    assert p.stdout.splitlines()[-1] == (
        "mdrun: 6 findings (3 MD003, 3 MD004) in 3 files; 5 runbooks checked"
    )


def test_mdrunignore_and_exclude_leave_paths_out(docs: Path) -> None:
    (docs / "docs" / ".mdrunignore").write_text("# drafts are not ready\ndrafts/\ndeep/er/c.md\n")
    p = _mdrun(docs, "check", "docs")
    assert _paths(p.stdout) == ["docs/a.md"]
    p = _mdrun(docs, "check", "docs", "--exclude", "a.md")
    assert p.returncode == 0, p.stdout
    assert p.stdout == "mdrun: no findings; 1 runbook checked\n"


def test_an_ignore_file_applies_to_files_named_on_the_command_line(docs: Path) -> None:
    (docs / ".mdrunignore").write_text("docs/drafts/*\n")
    p = _mdrun(docs, "check", "docs/drafts/b.md", "docs/a.md")
    assert _paths(p.stdout) == ["docs/a.md"]


def test_a_missing_path_is_a_usage_error(docs: Path) -> None:
    p = _mdrun(docs, "check", "docs", "nope.md")
    assert (p.returncode, p.stderr) == (2, "mdrun: nope.md: no such file or directory\n")


def test_github_format_is_workflow_commands_with_escaped_properties(tmp_path: Path) -> None:
    _tree(tmp_path, {"a,b.md": f"# A\n\n{SPIN}"})
    p = _mdrun(tmp_path, "check", ".", "--format", "github")
    lines = p.stdout.splitlines()
    assert lines[0] == (
        "::error file=a%2Cb.md,line=4,col=1,title=MD003::"
        "polling loop `while true` has a path that never sleeps: it would spin"
    )
    assert lines[-1].startswith("mdrun: 2 findings")


def test_json_format_holds_findings_and_a_summary(docs: Path) -> None:
    p = _mdrun(docs, "check", "docs", "--format", "json")
    data = json.loads(p.stdout)
    assert data["summary"] == {
        "runbooks": 4, "files_with_findings": 3, "findings": 6, "by_code": {"MD003": 3, "MD004": 3},
    }  # fmt: skip
    assert data["findings"][0] == {
        "path": "docs/a.md", "line": 4, "column": 1, "code": "MD003",
        "message": "polling loop `while true` has a path that never sleeps: it would spin",
    }  # fmt: skip


def test_a_runbook_that_does_not_load_is_a_finding_among_the_others(docs: Path) -> None:
    (docs / "docs" / "broken.md").write_text('# X\n\n--8<-- "missing.md"\n')
    p = _mdrun(docs, "check", "docs")
    assert "docs/broken.md:3: MD001: 'missing.md' not found" in p.stdout
    assert p.stdout.splitlines()[-1].endswith("5 runbooks checked")


def test_plan_of_a_directory_is_a_json_array_and_one_file_a_single_plan(docs: Path) -> None:
    many = json.loads(_mdrun(docs, "plan", "docs", "--format", "json").stdout)
    assert [plan["runbook"] for plan in many] == [
        "docs/a.md", "docs/deep/er/c.md", "docs/drafts/b.md", "docs/ok.md",
    ]  # fmt: skip
    one = json.loads(_mdrun(docs, "plan", "top.md", "--format", "json").stdout)
    assert one["runbook"] == "top.md"
    p = _mdrun(docs, "plan", "docs", "--format", "sh")
    assert p.returncode == 2 and "one runbook file" in p.stderr


def test_plan_fail_on_unknown_names_blocks_the_declared_inputs_leave_undecided(
    tmp_path: Path,
) -> None:
    head = "---\ninputs:\n  MODE: [fast, slow]\n---\n# T\n\n"
    _tree(
        tmp_path,
        {
            "undecided.md": head + "```bash {when='[ -f /etc/$MODE ]'}\necho x\n```\n",
            "decided.md": head + "```bash {when='[ \"$MODE\" = fast ]'}\necho x\n```\n",
            "undeclared.md": "# T\n\n```bash {when='[ -f /x ]'}\necho x\n```\n",
        },
    )
    p = _mdrun(tmp_path, "plan", "--fail-on-unknown", ".")
    assert p.returncode == 1, p.stderr
    assert _paths(p.stdout) == ["undecided.md"]
    assert 'undecided.md:7: MD008: block "t" is unknown for MODE=fast: ' in p.stdout
    p = _mdrun(tmp_path, "plan", "--fail-on-unknown", "decided.md", "undeclared.md")
    assert (p.returncode, p.stdout) == (0, "mdrun: no findings; 2 runbooks checked\n")


def test_a_runbook_named_by_a_relative_path_imports_from_a_parent_directory(
    tmp_path: Path,
) -> None:
    _tree(
        tmp_path,
        {
            "store/a/b/rb.md": "---\nimports:\n  - ../../lib/tool\n---\n# R\n",
            "store/lib/tool.md": f"# Tool\n\n{CLEAN}",
        },
    )
    p = _mdrun(tmp_path, "check", "--base-path", "store", "store/a/b/rb.md")
    assert (p.returncode, p.stdout) == (0, "mdrun: no findings; 1 runbook checked\n")


def test_a_directory_without_runbooks_is_a_usage_error(tmp_path: Path) -> None:
    _tree(tmp_path, {"empty/notes.txt": "x"})
    for command in ("check", "plan"):
        p = _mdrun(tmp_path, command, "empty")
        assert (p.returncode, p.stderr) == (
            2, "mdrun: empty is a directory with no runbook (*.md) below it\n",
        )  # fmt: skip


def test_one_call_finds_what_separate_calls_find_and_keeps_nothing_after(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "a.md": '# A\n\n--8<-- "shared.md"\n',
            "b.md": '# B\n\n--8<-- "shared.md"\n' + SPIN,
            "shared.md": SPIN,
        },
    )
    paths = [str(tmp_path / "a.md"), str(tmp_path / "b.md")]
    separate = {f for p in paths for f in check_runbook(p, LoadOptions(), use_shellcheck=False)}
    together = check_runbooks(paths, LoadOptions(), use_shellcheck=False)
    assert together == sorted(separate) and len(together) == 4
    (tmp_path / "shared.md").write_text(CLEAN)  # the next call reads the edited file
    again = check_runbooks(paths, LoadOptions(), use_shellcheck=False)
    assert [f.path for f in again] == [paths[1], paths[1]]


STAND_IN_SHELLCHECK = """#!/bin/sh
# Counts its calls and says one thing of every body: line 1 changes directory unguarded.
cat > /dev/null
echo call >> "$SHELLCHECK_CALLS"
echo '{"comments":[{"line":1,"column":1,"code":2164,"message":"Use cd ... || exit."}]}'
"""


def _stand_in_shellcheck(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A PATH whose shellcheck is the stand-in, and the file it counts its calls in."""
    bin_dir = tmp_path / "bin"
    _tree(bin_dir, {"shellcheck": STAND_IN_SHELLCHECK})
    (bin_dir / "shellcheck").chmod(0o755)
    calls = tmp_path / "calls"
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "SHELLCHECK_CALLS": str(calls)}, calls


def test_a_guidebook_imported_by_many_runbooks_is_shellchecked_and_reported_once(
    tmp_path: Path,
) -> None:
    # The store's guidebooks import the same blocks into dozens of runbooks: one shellcheck per
    # distinct body, and one finding per place in a file, however many runbooks reach it.
    env, calls = _stand_in_shellcheck(tmp_path)
    imports = "---\nimports:\n  - ./guide\n---\n"
    _tree(
        tmp_path / "docs",
        {
            "guide.md": "# Guide\n\n```shell\ncd somewhere\n```\n",
            "a.md": f"{imports}# A\n\n```shell\necho a\n```\n",
            "b.md": f"{imports}# B\n\n```shell\necho b\n```\n",
            "c.md": "# C\n\n```shell\ncd somewhere\n```\n",
        },
    )
    p = _mdrun(tmp_path, "check", "docs", env=env)
    findings = [line for line in p.stdout.splitlines() if ": SC" in line]
    said = ": SC2164: Use cd ... || exit."
    where = ["docs/a.md:8", "docs/b.md:8", "docs/c.md:4", "docs/guide.md:4"]
    assert findings == [w + said for w in where]
    # Three distinct bodies (`cd somewhere` twice, `echo a`, `echo b`) in six blocks.
    assert len(calls.read_text().splitlines()) == 3


def test_no_shellcheck_leaves_shell_findings_out_and_says_nothing_of_it(tmp_path: Path) -> None:
    env, calls = _stand_in_shellcheck(tmp_path)
    _tree(tmp_path, {"rb.md": "# R\n\n```shell\ncd somewhere\n```\n"})
    for path in (env["PATH"], str(tmp_path / "none")):
        p = _mdrun(tmp_path, "check", "--no-shellcheck", "rb.md", env={**env, "PATH": path})
        assert (p.returncode, p.stdout, p.stderr) == (
            0, "mdrun: no findings; 1 runbook checked\n", ""
        ), path  # fmt: skip
    assert not calls.exists()
