"""The guidebook store's loading rules on small trees: import forms, names, `--store`, included
frontmatter, block frontmatter and `codeblocks:` rules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mdrun.blocks.extract import load_runbook
from mdrun.errors import BlockError, FrontmatterError, IncludeError
from mdrun.load.frontmatter import split_frontmatter
from mdrun.load.loader import _raw_github, load_document
from mdrun.model import LoadOptions, format_origin
from tests import test_includes
from tests.conftest import run_mdrun, snippets_markdown
from tests.conftest import write_tree as write

https_server = test_includes.https_server
"""The local https server fixture of the include tests."""


def fence(body: str, info: str = "shell") -> str:
    return f"```{info}\n{body}\n```\n"


def bodies(root: Path, runbook: str, stores: tuple[str, ...] = ()) -> list[str]:
    book = load_runbook(str(root / runbook), LoadOptions(stores=stores))
    return [b.body.strip() for b in book.blocks]


def test_store_names_leave_out_md_and_mean_a_directorys_index(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "store/util/jq.md": fence("echo jq"),
            "store/ml/ray/index.md": fence("echo ray"),
            "store/book/run.md": "---\nimports:\n  - util/jq\n  - ml/ray\n---\n" + fence("echo me"),
        },
    )
    store = str(tmp_path / "store")
    assert bodies(tmp_path, "store/book/run.md", (store,)) == ["echo jq", "echo ray", "echo me"]


def test_dot_names_are_relative_to_the_importing_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "store/a/b/x.md": fence("echo beside"),
            "store/a/y.md": fence("echo above"),
            "store/a/b/run.md": "---\nimports:\n  - ./x\n  - ../y.md\n---\n",
        },
    )
    assert bodies(tmp_path, "store/a/b/run.md", (str(tmp_path / "store"),)) == [
        "echo beside",
        "echo above",
    ]


def test_a_dotdot_name_not_found_is_looked_for_beside_and_above(tmp_path: Path) -> None:
    # madwizard's search finds `../kubectl.md` from kubernetes/namespace.md beside it.
    write(
        tmp_path,
        {
            "store/kubernetes/kubectl.md": fence("echo kubectl"),
            "store/kubernetes/namespace.md": "---\nimports:\n  - ../kubectl.md\n---\n",
        },
    )
    store = str(tmp_path / "store")
    assert bodies(tmp_path, "store/kubernetes/namespace.md", (store,)) == ["echo kubectl"]


def test_a_guidebook_is_imported_once_per_group_with_its_env(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "lib.md": fence('echo "$X"'),
            "other.md": "---\nimports:\n  - ./lib\n---\n",
            "run.md": "---\nimports:\n  - ./lib\n  - ./other\n"
            "  - {path: ./lib, group: g, env: {X: 'a \"b\"'}}\n---\n",
        },
    )
    assert bodies(tmp_path, "run.md") == [
        'echo "$X"',
        'export X="a \\"b\\""',
        'echo "$X"',
        "unset X",
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{group: g}", r"run\.md:3: an `imports` entry's `path` must be a file name"),
        ("{path: x, env: [1]}", r"run\.md:3: an `imports` entry's `env` must map variable"),
        ("{path: x, where: y}", r"run\.md:3: unknown key 'where' in an `imports` entry"),
    ],
)
def test_bad_import_mappings_name_their_line(tmp_path: Path, entry: str, message: str) -> None:
    write(tmp_path, {"run.md": f"---\nimports:\n  - {entry}\n---\n"})
    with pytest.raises(FrontmatterError, match=message):
        load_document(str(tmp_path / "run.md"), LoadOptions())


def test_frontmatter_keeps_the_line_of_each_key() -> None:
    head = split_frontmatter(["---", "title: t", "", "imports:", "  - a", "---"], "f.md")
    assert head.lines == {"title": 2, "imports": 4}
    assert [(i.spec, i.line) for i in head.imports] == [("a", 5)]


def test_included_frontmatter_is_expanded_not_pasted(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "dep.md": fence("echo dep"),
            "part.md": "---\nimports:\n  - ./dep\n---\n# Part\n",
            "run.md": '# Run\n\n--8<-- "part.md"\n',
        },
    )
    doc = load_document(str(tmp_path / "run.md"), LoadOptions())
    # Each included file keeps its last newline, as pymdownx keeps it.
    end = f"<!-- end of import {tmp_path}/dep -->"
    assert doc.text == f"# Run\n\n```shell\necho dep\n```\n\n{end}\n# Part\n\n"
    assert "imports" not in doc.text
    # pymdownx would paste the frontmatter as text: the one documented difference.
    md = snippets_markdown({"base_path": [str(tmp_path)]})
    assert "imports:" in md.convert((tmp_path / "run.md").read_text())


def test_includes_take_guidebook_names_only_when_the_path_names_no_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sep.md": "dashes\n",
            "sep": "plain file wins\n",
            "dir/index.md": "from index\n",
            "run.md": '--8<-- "sep"\n--8<-- "dir"\n',
        },
    )
    doc = load_document(str(tmp_path / "run.md"), LoadOptions())
    assert doc.text == "plain file wins\n\nfrom index\n\n"


def test_an_inline_import_at_the_margin_is_a_prerequisite_of_its_guidebook(tmp_path: Path) -> None:
    # madwizard runs it before the guidebook's blocks, wherever the line is (aws/auth.md).
    write(tmp_path, {"a.md": fence("echo a"), "run.md": fence("echo 1") + ":import{./a.md}\n"})
    doc = load_document(str(tmp_path / "run.md"), LoadOptions())
    assert bodies(tmp_path, "run.md") == ["echo a", "echo 1"]
    assert format_origin(doc.origins[1]) == f"{tmp_path}/a.md:2 (via {tmp_path}/run.md:4)"


def test_an_inline_import_inside_a_tab_or_a_list_imports_in_place(tmp_path: Path) -> None:
    there = "".join(f"    {line}" for line in fence("echo b").splitlines(keepends=True))
    tab = '=== "Here"\n    :import{./a.md}\n\n=== "There"\n' + there
    write(tmp_path, {"a.md": fence("echo a"), "run.md": fence("echo 1") + tab})
    assert bodies(tmp_path, "run.md") == ["echo 1", "echo a", "echo b"]


def test_a_run_reads_what_a_trailing_import_wrote(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "_auth.md": fence('echo "key=k1" > "$HOME/creds"'),
            "auth.md": fence('export KEY=$(cut -d= -f2 "$HOME/creds")')
            + fence('echo "key is $KEY"')
            + ":import{./_auth.md}\n",
        },
    )
    env = {**os.environ, "HOME": str(tmp_path), "NO_COLOR": "1"}
    proc = run_mdrun("run", "--log-dir", "logs", "auth.md", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "key is k1" in proc.stdout


def test_url_imports_need_allow_url(tmp_path: Path) -> None:
    write(tmp_path, {"run.md": "---\nimports:\n  - https://example.com/x.md\n---\n"})
    with pytest.raises(IncludeError, match=r"run\.md:3: URL imports need --allow-url"):
        load_document(str(tmp_path / "run.md"), LoadOptions())


def test_block_frontmatter_becomes_options(tmp_path: Path) -> None:
    head = "---\nvalidate: which jq\nexec: pip-install\noptional: true\nid: deps\n---\n"
    write(tmp_path, {"run.md": fence(head + "tabulate")})
    (block,) = load_runbook(str(tmp_path / "run.md"), LoadOptions()).blocks
    assert (block.name, block.body, block.line_origins[0][-1].line) == ("deps", "tabulate\n", 8)
    opts = block.options
    assert (opts.validate, opts.exec, opts.optional) == ("which jq", "pip-install", True)


def test_validate_body_means_the_body(tmp_path: Path) -> None:
    write(tmp_path, {"run.md": fence("---\nvalidate: $body\n---\nkind version")})
    (block,) = load_runbook(str(tmp_path / "run.md"), LoadOptions()).blocks
    assert block.options.validate == "kind version"


def test_unknown_block_frontmatter_is_an_error_at_the_fence(tmp_path: Path) -> None:
    write(tmp_path, {"run.md": "# t\n\n" + fence("---\nvalidat: x\n---\necho")})
    with pytest.raises(BlockError, match=r"run\.md:4: unknown block frontmatter key 'validat'"):
        load_runbook(str(tmp_path / "run.md"), LoadOptions())


def test_codeblocks_rules_apply_to_the_guidebooks_own_blocks(tmp_path: Path) -> None:
    rules = "codeblocks:\n  - match: ^brew install kn$\n    validate: kn version\n"
    write(
        tmp_path,
        {
            "kn.md": f"---\n{rules}---\n" + fence("brew install kn") + fence("echo other"),
            "run.md": "---\nimports:\n  - ./kn\n---\n" + fence("brew install kn", "sh"),
        },
    )
    blocks = load_runbook(str(tmp_path / "run.md"), LoadOptions()).blocks
    assert [b.options.validate for b in blocks] == ["kn version", None, None]
    assert [s.spec for s in blocks[0].imports] == ["./kn"]


def test_url_imports_with_allow_url(tmp_path: Path, https_server: str) -> None:
    # https_server serves a.md (remote A, a local include it must not reach, then b.md).
    write(tmp_path, {"run.md": f"---\nimports:\n  - {https_server}/a.md\n---\n# run\n"})
    doc = load_document(str(tmp_path / "run.md"), LoadOptions(allow_url=True))
    assert doc.text.split("\n")[:3] == ["remote A", "remote B", ""]
    assert [s.name for s in doc.imports.values()] == [f"{https_server}/a.md"]


def test_github_blob_urls_are_read_as_raw_text() -> None:
    blob = "https://github.com/o/r/blob/main/docs/x.md"
    assert _raw_github(blob) == "https://raw.githubusercontent.com/o/r/main/docs/x.md"
    assert _raw_github("https://example.com/x.md") == "https://example.com/x.md"


def test_frontmatter_finally_is_refused_not_ignored(tmp_path: Path) -> None:
    write(tmp_path, {"run.md": "---\ntitle: t\nfinally:\n  - ./cleanup\n---\n"})
    with pytest.raises(FrontmatterError, match=r"run\.md:3: `finally:` .* is not supported"):
        load_document(str(tmp_path / "run.md"), LoadOptions())
