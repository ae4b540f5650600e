"""The blocks a run executes: only chosen branches, `${choice}` filled in, real bash runs them."""

from __future__ import annotations

import subprocess

from mdrun.blocks.extract import extract_blocks
from mdrun.blocks.tabs import Containers, containers
from mdrun.choices.answers import parse_choose
from mdrun.choices.apply import chosen_blocks, run_id
from mdrun.choices.groups import block_choices
from mdrun.choices.session import known_answers
from mdrun.model import Block, Document, Runbook, SourceLocation

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


def _runbook() -> tuple[Runbook, Containers]:
    """The guide extracted as the integrated extractor will: fences from the dedented text, the
    runbook keeping the document as written."""
    origins = tuple((SourceLocation("g.md", i + 1),) for i in range(len(GUIDE.split("\n"))))
    document = Document("g.md", GUIDE, origins)
    found = containers(GUIDE)
    return extract_blocks(document._replace(text=found.text))._replace(document=document), found


def _picked(flags: list[str], uuid: str) -> tuple[Block, ...]:
    """The guide's blocks (extracted by today's extractor from the dedented text), answered by
    `flags`, as a run would execute them."""
    runbook, found = _runbook()
    asked, paths = block_choices(runbook, found)
    answers = known_answers(asked.asked, [parse_choose(f) for f in flags])
    return chosen_blocks(runbook.blocks, lambda b: paths[b.index], asked.groups, answers, uuid)


def test_only_the_chosen_tab_runs_with_its_choice_filled_in() -> None:
    script = "\n".join(b.body for b in _picked(["Install jq=package", "Workers=5"], run_id()))
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n") == ["via Package", "workers=5", "always", ""]


def test_the_other_tab_gets_the_runs_uuid() -> None:
    assert [b.body for b in _picked(["Install jq=Source", "Workers=1"], "abc123def456")] == [
        'echo "from source abc123def456"\n',
        'echo "workers=1"\n',
        "echo always\n",
    ]


def test_block_choices_scans_again_when_not_given_the_scan() -> None:
    runbook, found = _runbook()
    assert block_choices(runbook)[1] == block_choices(runbook, found)[1]
    assert list(block_choices(runbook)[1].values()) == [
        (("Package####Source", "Package"),),
        (("Package####Source", "Source"),),
        (("Workers", "Workers"),),
        (),
    ]
