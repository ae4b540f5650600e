"""A guidebook imported again at the margin is left out by the loader, but madwizard's parse
keeps it and numbers its questions again (graph/workaroundMultipleChoicesPerFile.ts numbers the
graph before its optimiser drops repeats): the ids of later questions count those too. The ids
asserted are madwizard 9.0.7's own for these trees (checked with its parser and compiler)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from mdrun.choices.wire import load_guidebook
from mdrun.load.loader import load_document
from mdrun.model import LoadOptions


def _tab(title: str, body: str, indent: str = "") -> str:
    return f'{indent}=== "{title}"\n{indent}    ```shell\n{indent}    {body}\n{indent}    ```\n\n'


PICK = "# Pick\n\n" + _tab("A", "echo a") + _tab("B", "echo b") + "Then:\n\n"
PICK += _tab("C", "echo c") + _tab("D", "echo d")
"""Two different questions in one guidebook: `g/pick` and `g/pick_1`, madwizard's ids."""


def _store(root: Path, top: str) -> Path:
    files = {
        "store/g/pick.md": PICK,
        "store/g/mid.md": "---\nimports:\n    - g/pick\n---\n\n# Mid\n",
        "store/g/deep.md": "---\nimports:\n    - g/mid\n---\n\n# Deep\n",
        "store/top.md": top,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root / "store"


def _in_tab_ids(store: Path) -> list[str]:
    runbook = load_guidebook(str(store / "top.md"), LoadOptions(stores=(str(store),)))
    return [q.group.id for q in runbook.questions if q.path]


TOP = "---\nimports:\n    - g/pick\n    - g/mid\n---\n\n# Top\n\n" + '=== "One"\n'
TOP += "    :import{g/pick}\n\n" + _tab("Two", "echo two")


def test_a_question_in_a_repeated_import_is_counted_as_madwizard_counts_it(
    tmp_path: Path,
) -> None:
    # madwizard meets g/pick's second question three times: under top's import (`_1`), under
    # g/mid's (`_2`, which the loader leaves out) and in the tab (`_3`).
    store = _store(tmp_path, TOP)
    assert _in_tab_ids(store) == ["g/pick", "g/pick_3"]
    document = load_document(str(store / "top.md"), LoadOptions(stores=(str(store),)))
    assert len(document.repeats) == 1


def test_a_repeat_inside_a_repeat_counts_its_questions_again(tmp_path: Path) -> None:
    # g/deep imports g/mid again (left out), whose first expansion left out g/pick: madwizard
    # meets g/pick's questions under top, g/mid, g/deep's g/mid, and then in the tab.
    top = TOP.replace("    - g/mid\n", "    - g/mid\n    - g/deep\n")
    assert _in_tab_ids(_store(tmp_path, top)) == ["g/pick", "g/pick_4"]


def test_mdrun_list_gives_the_block_madwizards_id(
    tmp_path: Path, mdrun: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    store = _store(tmp_path, TOP)
    done = mdrun("list", str(store / "top.md"), "--format", "json", "--store", str(store))
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    blocks = listed["blocks"] if isinstance(listed, dict) else listed
    paths = [b["choices"] for b in blocks if b["body"].strip() == "echo c"]
    assert paths == [
        [{"question": "g/pick_1", "answer": "C"}],
        [{"question": "top", "answer": "One"}, {"question": "g/pick_3", "answer": "C"}],
    ]
