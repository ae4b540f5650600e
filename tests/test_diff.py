"""`mdrun diff` on real git repositories made in temp dirs: every kind of change it reports,
includes read from the base revision's tree, renames, and includes that did not exist yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(120)


class Repo:
    """A throwaway git repository: write files, commit, run mdrun in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        }  # fmt: skip
        done = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, env=env, check=True
        )
        return done.stdout

    def write(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            (self.root / name).parent.mkdir(parents=True, exist_ok=True)
            (self.root / name).write_text(text, encoding="utf-8")

    def commit(self, files: dict[str, str] | None = None, message: str = "change") -> str:
        self.write(files or {})
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def mdrun(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mdrun", *args], cwd=self.root, capture_output=True,
            text=True, timeout=60, check=False, env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip

    def diff(self, *args: str) -> dict[str, Any]:
        p = self.mdrun("diff", "--format", "json", *args)
        assert p.returncode == 0, p.stderr
        runbooks: list[dict[str, Any]] = json.loads(p.stdout)["runbooks"]
        return runbooks[0]


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path)


def fence(name: str, body: str, attrs: str = "") -> str:
    return f"```shell {{name={name}{' ' + attrs if attrs else ''}}}\n{body}\n```\n\n"


def kinds(diff: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["kind"], b["name"]) for b in diff["blocks"]]


BASE = "# R\n\n" + fence("one", "echo one") + fence("two", "echo two") + fence("three", "echo 3")


def test_blocks_added_removed_moved_and_changed(repo: Repo) -> None:
    repo.commit({"rb.md": BASE})
    repo.write(
        {
            "rb.md": "# R\n\n"
            + fence("three", "echo 3")
            + fence("one", "echo ONE")
            + fence("four", "echo 4")
        }
    )
    diff = repo.diff("rb.md")
    assert diff["status"] == "changed"
    assert kinds(diff) == [
        ("added", "four"), ("removed", "two"), ("moved", "three"), ("changed", "one"),
    ]  # fmt: skip
    changed = diff["blocks"][3]
    assert changed["body_diff"].splitlines() == [
        f"--- rb.md:3 (merge base with main ({repo.git('rev-parse', '--short=7', 'HEAD').strip()}))",
        "+++ rb.md:7 (working tree)",
        "@@ -1 +1 @@",
        "-echo one",
        "+echo ONE",
    ]
    assert diff["blocks"][2]["details"] == ["from rb.md:11 to rb.md:3 (was block 3, now 1)"]


def test_a_verdict_that_flips_says_why_on_both_sides(repo: Repo) -> None:
    text = (
        "# R\n\n"
        + fence("mode", "export MODE=fast")
        + fence("go", "echo go", "when='[ \"$MODE\" = fast ]'")
    )
    repo.commit({"rb.md": text})
    repo.write({"rb.md": text.replace("MODE=fast", "MODE=slow")})
    diff = repo.diff("rb.md")
    [flip] = diff["verdicts"]
    assert (flip["name"], flip["old"]["verdict"], flip["new"]["verdict"]) == ("go", "run", "skip")
    assert "MODE=fast" in flip["old"]["reason"] and "MODE=slow" in flip["new"]["reason"]


def test_attribute_and_name_changes_are_changes(repo: Repo) -> None:
    repo.commit({"rb.md": "# R\n\n" + fence("a", "echo a") + fence("b", "sleep 1")})
    repo.write({"rb.md": "# R\n\n" + fence("a", "echo a", "timeout=5s") + fence("c", "sleep 1")})
    diff = repo.diff("rb.md")
    assert [(b["name"], b["details"]) for b in diff["blocks"]] == [
        ("a", ["timeout: '(default)' → '5.0'"]),
        ("c", ["renamed from 'b'"]),
    ]


def test_variables_newly_read_and_exported(repo: Repo) -> None:
    repo.commit({"rb.md": "# R\n\n" + fence("a", 'echo "$OLD"\nexport GONE=1')})
    repo.write({"rb.md": "# R\n\n" + fence("a", 'echo "$NEW" "$OLD"\nexport ADDED=1')})
    diff = repo.diff("rb.md")
    assert diff["reads"] == [{"name": "NEW", "direction": "added", "blocks": ["a"]}]
    assert diff["exports"] == [
        {"name": "ADDED", "direction": "added", "blocks": ["a"]},
        {"name": "GONE", "direction": "removed", "blocks": ["a"]},
    ]


def test_includes_and_imports_added_and_removed(repo: Repo) -> None:
    repo.commit(
        {
            "rb.md": '---\nimports: [lib]\n---\n# R\n\n--8<-- "old.md"\n',
            "lib.md": "# Lib\n\n" + fence("lib", "echo lib"),
            "old.md": fence("old", "echo old"),
            "setup.sh": "echo setup\n",
            "new.md": fence("new", "echo new"),
        }
    )
    repo.write({"rb.md": '---\nimports: [setup.sh]\n---\n# R\n\n--8<-- "new.md"\n'})
    diff = repo.diff("rb.md")
    assert [(f["direction"], f["kind"], f["path"], f["via"]) for f in diff["files"]] == [
        ("added", "include", "new.md", "rb.md:6"),
        ("added", "import", "setup.sh", "rb.md:2"),
        ("removed", "import", "lib.md", "rb.md:2"),
        ("removed", "include", "old.md", "rb.md:6"),
    ]


def test_includes_are_read_from_the_base_revision_not_the_working_tree(repo: Repo) -> None:
    repo.commit({"rb.md": '# R\n\n--8<-- "part.md"\n', "part.md": fence("part", "echo committed")})
    repo.write({"part.md": fence("part", "echo edited")})
    [change] = repo.diff("rb.md")["blocks"]
    assert "-echo committed\n+echo edited\n" in change["body_diff"]
    assert change["body_diff"].startswith("--- part.md:1 (via rb.md:3) (merge base")


def test_a_renamed_include_is_a_file_change_and_its_blocks_move(repo: Repo) -> None:
    repo.commit({"rb.md": '# R\n\n--8<-- "a.md"\n', "a.md": fence("inc", "echo inc")})
    repo.git("mv", "a.md", "b.md")
    repo.write({"rb.md": '# R\n\n--8<-- "b.md"\n'})
    diff = repo.diff("rb.md")
    assert [(f["direction"], f["path"]) for f in diff["files"]] == [
        ("added", "b.md"), ("removed", "a.md"),
    ]  # fmt: skip
    assert kinds(diff) == [("moved", "inc")]
    assert diff["blocks"][0]["details"] == ["from a.md:1 (via rb.md:3) to b.md:1 (via rb.md:3)"]


def test_a_revision_where_the_include_did_not_exist_yet(repo: Repo) -> None:
    first = repo.commit({"rb.md": "# R\n\n" + fence("one", "echo one")})
    repo.commit({"rb.md": '# R\n\n--8<-- "steps.md"\n', "steps.md": fence("one", "echo one")})
    repo.write({"steps.md": fence("one", "echo one") + fence("two", "echo two")})
    diff = repo.diff("--base", first, "rb.md")
    assert [(f["direction"], f["path"]) for f in diff["files"]] == [("added", "steps.md")]
    assert kinds(diff) == [("added", "two"), ("moved", "one")]


def test_a_base_that_names_a_file_only_the_working_tree_has_did_not_load(repo: Repo) -> None:
    repo.commit({"rb.md": '# R\n\n--8<-- "later.md"\n'})
    repo.write({"later.md": fence("later", "echo later")})  # untracked: not in any revision
    diff = repo.diff("rb.md")
    assert diff["status"] == "changed"
    assert diff["base_error"].startswith("rb.md:3: 'later.md' not found")
    assert kinds(diff) == [("added", "later")]


def test_new_and_deleted_runbooks(repo: Repo) -> None:
    repo.commit({"old.md": BASE})
    repo.write({"new.md": BASE})
    (repo.root / "old.md").unlink()
    assert repo.diff("new.md")["status"] == "new"
    gone = repo.diff("old.md")
    assert gone["status"] == "deleted"
    assert kinds(gone) == [("removed", "one"), ("removed", "two"), ("removed", "three")]
    p = repo.mdrun("diff", "nowhere.md")
    assert p.returncode == 2 and "neither in the working tree nor at" in p.stderr


def test_exit_code_and_the_default_base(repo: Repo) -> None:
    repo.commit({"rb.md": BASE})
    assert repo.mdrun("diff", "--exit-code", "rb.md").returncode == 0
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"rb.md": BASE + fence("four", "echo 4")})
    # On a branch, the default base is the merge base with main: the commit is part of the diff.
    p = repo.mdrun("diff", "--exit-code", "rb.md")
    assert p.returncode == 1
    assert "1 block added since merge base with main" in p.stdout
    assert repo.mdrun("diff", "--exit-code", "--base", "HEAD", "rb.md").returncode == 0
    assert repo.diff("--base", "HEAD", "rb.md")["status"] == "unchanged"


def test_bad_revisions_and_no_repository_are_usage_errors(repo: Repo, tmp_path: Path) -> None:
    repo.commit({"rb.md": BASE})
    p = repo.mdrun("diff", "--base", "no-such-rev", "rb.md")
    assert (p.returncode, "Traceback" in p.stderr) == (2, False)
    assert "--base no-such-rev: not a commit" in p.stderr
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "rb.md").write_text(BASE)
    p = subprocess.run(
        [sys.executable, "-m", "mdrun", "diff", "rb.md"], cwd=outside, capture_output=True,
        text=True, check=False, env={**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)},
    )  # fmt: skip
    assert p.returncode == 2 and "needs a git repository" in p.stderr


def test_renders_text_and_markdown(repo: Repo) -> None:
    repo.commit({"rb.md": BASE})
    repo.write({"rb.md": BASE.replace("echo two", "echo `two`") + fence("four", "echo $X")})
    text = repo.mdrun("diff", "rb.md").stdout
    assert text.splitlines()[0].startswith("# rb.md: 1 block added, 1 block changed, 1 variable")
    assert "    +echo `two`" in text
    markdown = repo.mdrun("diff", "--format", "markdown", "rb.md").stdout
    assert markdown.startswith("## mdrun: what this change does to what runs\n")
    assert "  ```diff\n  --- rb.md:7 (merge base" in markdown
    assert "- newly reads `X` (four)" in markdown
    assert (
        "| `rb.md` | 1 block added, 1 block changed, 1 variable read since merge base" in markdown
    )


def test_a_body_holding_a_fence_gets_a_longer_fence_in_markdown(repo: Repo) -> None:
    repo.commit({"rb.md": BASE})
    fenced = "````shell {name=two}\ncat <<'EOF'\n```\nEOF\n````\n\n"
    repo.write({"rb.md": BASE.replace(fence("two", "echo two"), fenced)})
    markdown = repo.mdrun("diff", "--format", "markdown", "rb.md").stdout
    assert "  ````diff\n" in markdown and "  +```\n" in markdown and "  ````\n" in markdown


def test_nothing_is_executed_on_either_side(repo: Repo) -> None:
    canary = repo.root / "canary"
    guard = f"when='[ -n \"$(touch {canary}-when)\" ]'"
    text = "# R\n\n" + fence("c", f"touch {canary}\nexport X=$(touch {canary}-x)", guard)
    repo.commit({"rb.md": text})
    repo.write({"rb.md": text.replace("touch", "touch ")})
    repo.diff("rb.md")
    assert not list(repo.root.glob("canary*"))


def test_links_stored_in_the_revision_are_followed_inside_its_tree(repo: Repo) -> None:
    repo.write({"parts/real.md": fence("linked", "echo committed")})
    os.symlink("parts", repo.root / "dir-link")
    os.symlink("real.md", repo.root / "parts" / "file-link.md")
    repo.commit({"rb.md": '# R\n\n--8<-- "dir-link/file-link.md"\n'})
    (repo.root / "parts" / "file-link.md").unlink()  # gone from the working tree only
    (repo.root / "parts" / "file-link.md").write_text(fence("linked", "echo now"))
    [change] = repo.diff("rb.md")["blocks"]
    assert "-echo committed\n+echo now\n" in change["body_diff"]


def test_an_inline_import_is_an_import(repo: Repo) -> None:
    repo.commit({"rb.md": "# R\n", "lib.md": "# Lib\n\n" + fence("lib", "echo lib")})
    repo.write({"rb.md": "# R\n\n:import{lib}\n"})
    [change] = repo.diff("rb.md")["files"]
    assert (change["kind"], change["path"], change["via"]) == ("import", "lib.md", "rb.md:3")
