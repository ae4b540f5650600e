"""The blocks a run executes: only chosen branches, `${choice}` filled in, real bash runs them."""

from __future__ import annotations

import subprocess

from mdrun.blocks.extract import extract_blocks
from mdrun.blocks.tabs import containers
from mdrun.choices.answers import parse_choose
from mdrun.choices.apply import chosen_blocks, run_id
from mdrun.choices.groups import questions
from mdrun.choices.session import settle
from mdrun.model import Block, Document, SourceLocation

GUIDE = """# Install jq

=== "Package"
    ```shell
    echo "via ${choice}"
    ```

=== "Source"
    ```shell
    echo "from source $uuid"
    ```

## Size

=== "Workers [default: 2]"
    ```shell
    echo "workers=${choice}"
    ```

```shell
echo always
```
"""


def _runbook() -> tuple[tuple[Block, ...], list[int]]:
    """The guide's blocks, with each block's start line in the expanded document."""
    found = containers(GUIDE)
    origins = tuple((SourceLocation("g.md", i + 1),) for i in range(len(GUIDE.split("\n"))))
    runbook = extract_blocks(Document("g.md", found.text, origins))
    return runbook.blocks, [b.origin[-1].line - 1 for b in runbook.blocks]


def test_only_the_chosen_tab_runs_with_its_choice_filled_in() -> None:
    blocks, starts = _runbook()
    found = questions(containers(GUIDE), starts)
    answers = settle(found.asked, [parse_choose("Install jq=package"), parse_choose("Workers=5")])
    line_of = {b.index: line for b, line in zip(blocks, starts, strict=True)}
    picked = chosen_blocks(
        blocks, lambda b: found.path_at(line_of[b.index]), found.groups, answers, run_id()
    )
    script = "\n".join(b.body for b in picked)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n") == ["via Package", "workers=5", "always", ""]


def test_the_other_tab_gets_the_runs_uuid() -> None:
    blocks, starts = _runbook()
    found = questions(containers(GUIDE), starts)
    answers = settle(found.asked, [parse_choose("Install jq=Source"), parse_choose("Workers=1")])
    line_of = {b.index: line for b, line in zip(blocks, starts, strict=True)}
    picked = chosen_blocks(
        blocks, lambda b: found.path_at(line_of[b.index]), found.groups, answers, "abc123def456"
    )
    assert [b.body for b in picked] == [
        'echo "from source abc123def456"\n',
        'echo "workers=1"\n',
        "echo always\n",
    ]
