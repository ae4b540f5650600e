"""`mdrun diff` through the choices stage, on real git repositories: questions (tab groups)
added and removed, answers (tabs) added, removed and renamed, and blocks that now sit under
other answers, in every render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_diff import Repo

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path)


def group(heading: str, tabs: dict[str, str]) -> str:
    """A heading and a tab group under it, one shell block in each tab."""
    parts = [f"# {heading}\n"]
    for title, body in tabs.items():
        parts.append(f'=== "{title}"\n\n    ```shell\n    {body}\n    ```\n')
    return "\n".join(parts) + "\n"


EDITOR = group("Pick an editor", {"vim": "echo vim", "nano": "echo nano"})
COLOUR = group("Pick a colour", {"red": "echo red", "blue": "echo blue"})


def choices(diff: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["kind"], c["name"], c["detail"]) for c in diff["choices"]]


def test_an_unchanged_runbook_with_questions_has_no_choice_changes(repo: Repo) -> None:
    repo.commit({"rb.md": EDITOR + COLOUR})
    diff = repo.diff("rb.md")
    assert diff["status"] == "unchanged" and diff["choices"] == []


def test_questions_added_and_removed(repo: Repo) -> None:
    repo.commit({"rb.md": EDITOR})
    shell = group("Pick a shell", {"zsh": "echo zsh", "bash": "echo bash"})
    repo.write({"rb.md": shell})
    assert choices(repo.diff("rb.md")) == [
        ("question added", "Pick a shell", "zsh | bash"),
        ("question removed", "Pick an editor", "vim | nano"),
    ]


def test_answers_added_removed_and_renamed(repo: Repo) -> None:
    repo.commit({"rb.md": EDITOR + COLOUR})
    editor = group("Pick an editor", {"vim": "echo vim", "emacs": "echo emacs"})
    colour = group("Pick a colour", {"crimson": "echo red", "blue": "echo blue"})
    repo.write({"rb.md": editor + colour})
    diff = repo.diff("rb.md")
    assert choices(diff)[:3] == [
        ("answer added", "Pick an editor", "'emacs'"),
        ("answer removed", "Pick an editor", "'nano'"),
        ("answer renamed", "Pick a colour", "'red' → 'crimson'"),
    ]
    renamed = diff["choices"][2]
    assert (renamed["answer"], renamed["was"]) == ("crimson", "red")
    # The editor's second block (matched by its derived name) now sits under `emacs`; the
    # block under the renamed tab is where it was.
    moved = [c["detail"] for c in diff["choices"][3:]]
    editor = '"Pick an editor"'
    assert moved == [
        f"block 'pick-an-editor-2': was under {editor} = nano, now under {editor} = emacs"
    ]


def test_a_question_keyed_by_its_tabs_is_the_same_question_after_a_rename(repo: Repo) -> None:
    # Without a level-1 heading of its own, a question's id is its tabs joined with `####`.
    repo.commit({"rb.md": EDITOR.replace("# ", "## ")})
    repo.write({"rb.md": EDITOR.replace("# ", "## ").replace('"nano"', '"pico"')})
    diff = repo.diff("rb.md")
    assert choices(diff) == [("answer renamed", "Pick an editor", "'nano' → 'pico'")]
    assert diff["choices"][0]["question"] == "vim####pico"


def fenced(name: str, body: str) -> str:
    """A named shell block, indented into a tab."""
    return f"    ```shell {{name={name}}}\n    {body}\n    ```\n\n"


def test_a_block_moved_under_another_answer(repo: Repo) -> None:
    # Named blocks: a derived name (heading and place) would not follow the block.
    vim, nano = '=== "vim"\n\n', '=== "nano"\n\n'
    setup = fenced("setup", "echo setup")
    before = vim + fenced("vi", "echo vim") + setup + nano + fenced("pico", "echo nano")
    after = vim + fenced("vi", "echo vim") + nano + fenced("pico", "echo nano") + setup
    repo.commit({"rb.md": "# Pick an editor\n\n" + before})
    repo.write({"rb.md": "# Pick an editor\n\n" + after})
    changes = [c for c in repo.diff("rb.md")["choices"] if c["kind"] == "block path changed"]
    was = '"Pick an editor" = vim'
    assert [(c["block"], c["question"], c["detail"]) for c in changes] == [
        ("setup", "rb", f"block 'setup': was under {was}, now under {was[:-3]}nano")
    ]


def test_a_block_taken_out_of_every_choice(repo: Repo) -> None:
    repo.commit({"rb.md": EDITOR})
    repo.write({"rb.md": group("Pick an editor", {"vim": "echo vim"})
                + "# After\n\n```shell\necho nano\n```\n"})  # fmt: skip
    diff = repo.diff("rb.md")
    assert ("answer removed", "Pick an editor", "'nano'") in choices(diff)
    (path,) = [c["detail"] for c in diff["choices"] if c["kind"] == "block path changed"]
    assert path.endswith('was under "Pick an editor" = nano, now under outside every choice')


def test_choice_changes_in_the_text_and_markdown_renders(repo: Repo) -> None:
    repo.commit({"rb.md": EDITOR})
    repo.write({"rb.md": group("Pick an editor", {"vim": "echo vim", "ed": "echo nano"})})
    text = repo.mdrun("diff", "rb.md").stdout
    assert "choice" in text.splitlines()[0]
    assert "  answer renamed \"Pick an editor\" (rb): 'nano' → 'ed'" in text
    markdown = repo.mdrun("diff", "--format", "markdown", "rb.md").stdout
    assert "- **answer renamed** Pick an editor (`rb`): 'nano' → 'ed'" in markdown
    code = repo.mdrun("diff", "--exit-code", "rb.md").returncode
    assert code == 1


def test_choice_change_json_has_the_documented_fields(repo: Repo) -> None:
    repo.commit({"rb.md": EDITOR})
    repo.write({"rb.md": COLOUR})
    (first, *_) = repo.diff("rb.md")["choices"]
    doc = (Path(__file__).resolve().parents[1] / "docs" / "diff-schema.md").read_text()
    table = doc.split("## `runbooks[].choices[]`", 1)[1].split("\n\n", 2)[1]
    documented = [row.split("`")[1] for row in table.splitlines() if row.startswith("| `")]
    assert list(first) == documented
