"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit against throwaway git
repositories: `try-repo`, and `git commit` blocked by a broken runbook and let through once it
is fixed. pre-commit builds the hooks' environment from a snapshot of this working tree."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.render_golden import REPO

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        importlib.util.find_spec("pre_commit") is None, reason="pre-commit not installed"
    ),
]

BROKEN = "# R\n\n```shell\nwhile ! curl -sf localhost:8265; do :; done\n```\n"
FIXED = "# R\n\n```shell\nwhile ! curl -sf localhost:8265; do sleep 1; done\n```\n"
UNDECIDED = (
    "---\ninputs:\n  MODE: [a, b]\n---\n# R\n\n```shell {when='[ -f \"$MODE\" ]'}\necho\n```\n"
)
DECIDED = UNDECIDED.replace('-f "$MODE"', '"$MODE" = a')


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }  # fmt: skip


def _run(cwd: Path, home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(argv), cwd=cwd, env=_env(home), capture_output=True, text=True, check=False,
        timeout=600,
    )  # fmt: skip


def _git_repo(path: Path, home: Path) -> Path:
    path.mkdir()
    _run(path, home, "git", "init", "-q", "-b", "main")
    return path


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's cache, shared by the tests here: the hooks' environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory, home: Path) -> tuple[Path, str]:
    """This working tree's package and hooks file, committed in a repository of their own."""
    repo = _git_repo(tmp_path_factory.mktemp("hooks") / "mdrun", home)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(REPO / name, repo / name)
    shutil.copytree(REPO / "src", repo / "src", ignore=shutil.ignore_patterns("__pycache__"))
    _run(repo, home, "git", "add", "-A")
    _run(repo, home, "git", "commit", "-q", "-m", "snapshot")
    return repo, _run(repo, home, "git", "rev-parse", "HEAD").stdout.strip()


def test_try_repo_fails_on_a_broken_runbook_and_passes_a_fixed_one(
    tmp_path: Path, home: Path, hooks: tuple[Path, str]
) -> None:
    docs = _git_repo(tmp_path / "docs", home)
    (docs / "rb.md").write_text(BROKEN)
    _run(docs, home, "git", "add", "rb.md")
    try_repo = [sys.executable, "-m", "pre_commit", "try-repo", str(hooks[0]), "mdrun-check"]
    p = _run(docs, home, *try_repo, "--files", "rb.md")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "rb.md:4: MD003: polling loop `while ! curl -sf localhost:8265`" in p.stdout
    (docs / "rb.md").write_text(FIXED)
    p = _run(docs, home, *try_repo, "--files", "rb.md")
    assert p.returncode == 0, p.stdout + p.stderr


def _commit(docs: Path, home: Path, name: str, text: str) -> subprocess.CompletedProcess[str]:
    (docs / name).write_text(text)
    _run(docs, home, "git", "add", name)
    return _run(docs, home, "git", "commit", "-q", "-m", f"edit {name}")


def _commits(docs: Path, home: Path) -> int:
    out = _run(docs, home, "git", "rev-list", "--count", "--all").stdout.strip()
    return int(out or 0)


def test_the_installed_hooks_block_a_commit_until_the_runbook_is_fixed(
    tmp_path: Path, home: Path, hooks: tuple[Path, str]
) -> None:
    docs = _git_repo(tmp_path / "docs", home)
    (docs / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks[0]}\n  rev: {hooks[1]}\n"
        "  hooks:\n  - id: mdrun-check\n  - id: mdrun-plan\n"
    )
    install = _run(docs, home, sys.executable, "-m", "pre_commit", "install")
    assert install.returncode == 0, install.stderr
    _run(docs, home, "git", "add", ".pre-commit-config.yaml")
    blocked = _commit(docs, home, "rb.md", BROKEN)
    assert blocked.returncode != 0 and _commits(docs, home) == 0
    assert "MD003" in blocked.stdout + blocked.stderr
    assert _commit(docs, home, "rb.md", FIXED).returncode == 0
    assert _commits(docs, home) == 1
    blocked = _commit(docs, home, "inputs.md", UNDECIDED)
    assert blocked.returncode != 0 and _commits(docs, home) == 1
    assert 'MD008: block "r" is unknown for MODE=a' in blocked.stdout + blocked.stderr
    assert _commit(docs, home, "inputs.md", DECIDED).returncode == 0
    assert _commits(docs, home) == 2
