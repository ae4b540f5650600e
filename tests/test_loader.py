"""Runbook loading: frontmatter, `imports:`, errors, and `mdrun expand` as a real subprocess."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mdrun.errors import FrontmatterError, IncludeError, MdrunError, OutsideRootError, UsageError
from mdrun.load.loader import load_document
from mdrun.model import Document, LoadOptions, format_origin
from tests.conftest import run_mdrun, snippets_markdown, write_tree


def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> Document:
    write_tree(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    return load_document("run.md", LoadOptions())


def origins(doc: Document) -> list[str]:
    return [format_origin(o) for o in doc.origins]


def test_frontmatter_is_parsed_and_removed_lines_keep_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = load(tmp_path, monkeypatch, {"run.md": "---\ntitle: T\ntags: [a]\n---\n# Body\ntext\n"})
    assert doc.frontmatter == {"title": "T", "tags": ["a"]}
    assert doc.text == "# Body\ntext\n"
    assert origins(doc) == ["run.md:5", "run.md:6", "run.md:7"]


def test_unclosed_dashes_are_markdown_not_frontmatter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = load(tmp_path, monkeypatch, {"run.md": "---\ntitle: T\n"})
    assert doc.frontmatter == {}
    assert doc.text == "---\ntitle: T\n"


def test_empty_frontmatter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = load(tmp_path, monkeypatch, {"run.md": "---\n---\nbody"})
    assert (doc.frontmatter, doc.text, origins(doc)) == ({}, "body", ["run.md:3"])


@pytest.mark.parametrize(
    ("head", "message"),
    [
        ("title: [unclosed\nnext: 1\n", r"run\.md:3: bad YAML frontmatter"),
        ("a: 1\n  b: 2\n", r"run\.md:3: bad YAML frontmatter"),
        ("- just\n- a list\n", r"run\.md:2: frontmatter must be a mapping.*not a list"),
        ("title: x\nimports: 3\n", r"run\.md:3: `imports` must be a list of runbooks, not int 3"),
        ("imports:\n  - ok\n  - {a: 1}\n", r"run\.md:4: unknown key 'a' in an `imports` entry"),
        ("imports:\n  - ok\n  - 3\n", r"run\.md:4: `imports` entries must be file names"),
    ],
)
def test_bad_frontmatter_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, head: str, message: str
) -> None:
    with pytest.raises(FrontmatterError) as info:
        load(tmp_path, monkeypatch, {"run.md": f"---\n{head}---\nbody\n", "ok.md": "ok"})
    assert re.search(message, str(info.value)), str(info.value)


def test_imports_come_first_md_optional_recursive_with_origins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "run.md": "---\nimports:\n  - setup\n  - lib/tools.md\n---\n# Run\n",
        "setup.md": "---\nimports: [lib/env]\n---\nsetup body\n",
        "lib/env.md": '--8<-- "./env.txt"\n',
        "lib/env.txt": "ENV=1",
        "lib/tools.md": "tools",
    }
    doc = load(tmp_path, monkeypatch, files)
    # Each imported guidebook ends with a comment line pointing at its import.
    assert doc.text == (
        "ENV=1\n\n<!-- end of import lib/env -->\nsetup body\n\n<!-- end of import setup -->\n"
        "tools\n<!-- end of import lib/tools -->\n# Run\n"
    )
    assert origins(doc) == [
        "lib/env.txt:1 (via lib/env.md:1 < setup.md:2 < run.md:3)",
        "lib/env.md:2 (via setup.md:2 < run.md:3)",
        "setup.md:2 (via run.md:3)",
        "setup.md:4 (via run.md:3)",
        "setup.md:5 (via run.md:3)",
        "run.md:3",
        "lib/tools.md:1 (via run.md:4)",
        "run.md:4",
        "run.md:6",
        "run.md:7",
    ]
    assert doc.frontmatter == {"imports": ["setup", "lib/tools.md"]}


def test_imports_fall_back_to_base_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"book/run.md": "---\nimports: [common]\n---\nbody", "snippets/common.md": "shared\n"}
    write_tree(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    doc = load_document("book/run.md", LoadOptions())
    assert doc.text == "shared\n\n<!-- end of import snippets/common -->\nbody"


def test_shell_import_becomes_one_fence_pointing_at_the_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"run.md": "---\nimports: [logs.sh]\n---\nafter", "logs.sh": "echo a\n```\necho b\n"}
    doc = load(tmp_path, monkeypatch, files)
    assert doc.text == "````shell\necho a\n```\necho b\n````\nafter"
    assert origins(doc) == [
        *("logs.sh:1 (via run.md:2)", "logs.sh:1 (via run.md:2)", "logs.sh:2 (via run.md:2)"),
        *("logs.sh:3 (via run.md:2)", "logs.sh:3 (via run.md:2)", "run.md:4"),
    ]


@pytest.mark.parametrize(
    ("files", "error", "message"),
    [
        (
            {"run.md": "---\nimports: [a]\n---\n", "a.md": "---\nimports: [run]\n---\n"},
            IncludeError,
            r"a\.md:2: include cycle: run\.md -> a\.md -> run\.md\n  included from run\.md:2",
        ),
        (
            {"run.md": "---\nimports: [dir]\n---\n", "dir/x.md": "x"},
            IncludeError,
            r"run\.md:2: 'dir' is a directory with no index\.md",
        ),
        ({"run.md": "x\n---\nimports:\n - gone\n---\n"}, None, None),
        (
            {"run.md": "---\nimports:\n - gone\n---\n"},
            IncludeError,
            r"run\.md:3: 'gone' not found \(tried gone, gone\.md, gone/index\.md",
        ),
    ],
)
def test_import_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
    error: type[MdrunError] | None,
    message: str | None,
) -> None:
    if error is None:  # frontmatter only counts at the very top
        assert load(tmp_path, monkeypatch, files).frontmatter == {}
        return
    with pytest.raises(error, match=message):
        load(tmp_path, monkeypatch, files)


def test_an_import_found_only_outside_the_roots_is_refused_not_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"book/run.md": "---\nimports: [../lib]\n---\nbody", "lib.md": "x\n"})
    monkeypatch.chdir(tmp_path / "book")
    with pytest.raises(OutsideRootError, match=r"run\.md:2: '\.\./lib\.md' resolves to .*lib\.md"):
        load_document("run.md", LoadOptions())


def test_runbook_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"empty.md": "", "dir/x.md": "x"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=r"empty\.md:1: empty runbook"):
        load_document("empty.md", LoadOptions())
    with pytest.raises(UsageError, match="dir is a directory"):
        load_document("dir", LoadOptions())
    with pytest.raises(UsageError, match=r"cannot read gone\.md: No such file"):
        load_document("gone.md", LoadOptions())


def test_paths_outside_the_cwd_are_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"book/run.md": "x", "elsewhere/keep": ""})
    monkeypatch.chdir(tmp_path / "elsewhere")
    doc = load_document(str(tmp_path / "book" / "run.md"), LoadOptions())
    assert origins(doc) == [f"{tmp_path}/book/run.md:1"]


def test_cli_expand_prints_exactly_what_pymdownx_prints(tmp_path: Path) -> None:
    text = 'intro\n  --8<-- "a.md"\n--8<--\nb.md:2\n--8<--\n'
    write_tree(tmp_path, {"run.md": text, "a.md": "A\n", "b.md": "B1\nB2"})
    proc = run_mdrun("expand", "run.md", "--base-path", ".", cwd=tmp_path, env=os.environ)
    md = snippets_markdown({"base_path": [str(tmp_path)], "check_paths": True})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "\n".join(md.preprocessors["snippet"].run(text.split("\n")))


@pytest.mark.parametrize(
    ("files", "stderr"),
    [
        (
            {"run.md": 'x\n--8<-- "a.md"', "a.md": '--8<-- "gone.md"'},
            "a.md:1: 'gone.md' not found (searched .)\n  included from run.md:2\n",
        ),
        (
            {"run.md": '--8<-- "a.md"', "a.md": '--8<-- "run.md"'},
            "a.md:1: include cycle: run.md -> a.md -> run.md\n  included from run.md:1\n",
        ),
        ({"run.md": "---\nx: [\n---\n"}, "run.md:2: bad YAML frontmatter"),
    ],
)
def test_cli_errors_exit_2_without_traceback(
    tmp_path: Path, files: dict[str, str], stderr: str
) -> None:
    write_tree(tmp_path, files)
    proc = run_mdrun("expand", "run.md", cwd=tmp_path, env=os.environ)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(stderr)
    assert "Traceback" not in proc.stderr
