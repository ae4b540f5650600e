"""A guidebook's frontmatter `validate:` is tested once per import, before its first block, in
real `mdrun run`s: a first block that makes it pass does not skip the blocks after it, a
guidebook already done skips all its blocks and asks none of its questions, each import (per
`group`) is tested once, and `plan` and the `sh` render show it once and run nothing. Every
test counts the checks through a file the `validate:` appends to."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_mdrun, write_tree
from tests.helpers.ontty import Terminal

pytestmark = pytest.mark.timeout(120)

TOOL = """---
validate: echo checked >> "$COUNT"; test -e "$DEST/tool-${WHO-}"
---
# Tool

```shell
# download
mkdir -p "$DEST" && printf '#!/bin/sh\\necho tool\\n' > "$DEST/tool-${WHO-}"
```

```shell
# chmod
chmod +x "$DEST/tool-${WHO-}" && echo "chmodded ${WHO-}"
```
"""

ASKING = """---
validate: echo checked >> "$COUNT"; test -e "$DEST/asked"
---
# Asking

=== "Fast"
    ```shell {name=fast}
    touch "$DEST/asked"; echo "went fast"
    ```

=== "Slow"
    ```shell {name=slow}
    touch "$DEST/asked"; echo "went slow"
    ```
"""


def _tree(tmp_path: Path, runbook: str) -> Path:
    write_tree(
        tmp_path,
        {"rb.md": runbook, "store/util/tool.md": TOOL, "store/util/asking.md": ASKING},
    )
    (tmp_path / "dest").mkdir()
    return tmp_path / "rb.md"


def _imports(*entries: str, body: str = "") -> str:
    lines = "".join(f"  - {e}\n" for e in entries)
    return (
        f"---\nimports:\n{lines}---\n# Runbook\n\n```shell {{name=after}}\necho after\n```\n{body}"
    )


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    return {**env, "COUNT": str(tmp_path / "count"), "DEST": str(tmp_path / "dest"), **extra}


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    logs = str(tmp_path / "logs")
    argv = ["run", "--store", "store", "--log-dir", logs, *args, "rb.md"]
    return run_mdrun(*argv, cwd=tmp_path, env=_env(tmp_path), stdin=subprocess.DEVNULL)


def _run_ok(tmp_path: Path) -> str:
    """`_run`, which must succeed: what it wrote."""
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def _checks(tmp_path: Path) -> int:
    count = tmp_path / "count"
    return len(count.read_text().splitlines()) if count.exists() else 0


def _statuses(tmp_path: Path) -> dict[str, str]:
    blocks = json.loads((tmp_path / "logs" / "run.json").read_text())["blocks"]
    return {b["name"]: b["status"] for b in blocks}


def test_a_first_block_that_makes_the_check_pass_does_not_skip_the_second(
    tmp_path: Path,
) -> None:
    _tree(tmp_path, _imports("util/tool"))
    assert "chmodded" in _run_ok(tmp_path)
    assert os.access(tmp_path / "dest" / "tool-", os.X_OK)
    assert _statuses(tmp_path) == {"download": "ok", "chmod": "ok", "after": "ok"}
    assert _checks(tmp_path) == 1


def test_a_guidebook_already_done_skips_every_block_with_one_check(tmp_path: Path) -> None:
    _tree(tmp_path, _imports("util/tool"))
    (tmp_path / "dest" / "tool-").write_text("")
    said = _run_ok(tmp_path)
    shown = 'already done (`validate` succeeded: `echo checked >> "$COUNT"; test -e'
    assert f"skipped download: {shown}" in said and f"skipped chmod: {shown}" in said
    assert _statuses(tmp_path) == {"download": "skipped", "chmod": "skipped", "after": "ok"}
    assert _checks(tmp_path) == 1


def test_imported_twice_under_two_groups_each_import_is_checked_once(tmp_path: Path) -> None:
    one = "{path: util/tool, group: one, env: {WHO: a}}"
    two = "{path: util/tool, group: two, env: {WHO: b}}"
    _tree(tmp_path, _imports(one, two))
    (tmp_path / "dest" / "tool-b").write_text("")  # the second import is already done
    said = _run_ok(tmp_path)
    assert "chmodded a" in said and "chmodded b" not in said
    statuses = _statuses(tmp_path)
    assert [statuses[n] for n in ("download", "chmod", "download-2", "chmod-2")] == [
        "ok",
        "ok",
        "skipped",
        "skipped",
    ]
    assert _checks(tmp_path) == 2


def test_the_runbooks_own_validate_is_checked_once_before_its_blocks(tmp_path: Path) -> None:
    own = TOOL.replace("# Tool", "# Own")
    write_tree(tmp_path, {"rb.md": own})
    (tmp_path / "dest").mkdir()
    _run_ok(tmp_path)
    assert _statuses(tmp_path) == {"download": "ok", "chmod": "ok"}
    assert _checks(tmp_path) == 1
    shutil.rmtree(tmp_path / "logs")
    _run_ok(tmp_path)  # now done: the one check skips both
    assert _statuses(tmp_path) == {"download": "skipped", "chmod": "skipped"}
    assert _checks(tmp_path) == 2


def test_off_a_terminal_a_done_guidebooks_question_needs_no_answer(tmp_path: Path) -> None:
    _tree(tmp_path, _imports("util/asking"))
    (tmp_path / "dest" / "asked").write_text("")
    assert "no answer" not in _run_ok(tmp_path)
    assert _statuses(tmp_path) == {"fast": "skipped", "slow": "skipped", "after": "ok"}
    assert _checks(tmp_path) == 1


def test_off_a_terminal_a_guidebook_not_done_stops_at_its_unanswered_question(
    tmp_path: Path,
) -> None:
    _tree(tmp_path, _imports("util/tool", "util/asking"))
    done = _run(tmp_path)
    assert done.returncode == 2, done.stderr
    assert "1 question has no answer" in done.stderr
    statuses = _statuses(tmp_path)
    assert (statuses["download"], statuses["chmod"], statuses["fast"]) == ("ok", "ok", "not-run")


def test_on_a_terminal_a_done_guidebooks_question_is_not_asked(tmp_path: Path) -> None:
    _tree(tmp_path, _imports("util/asking", body="\n```shell {name=last}\necho last\n```\n"))
    (tmp_path / "dest" / "asked").write_text("")
    argv = [sys.executable, "-m", "mdrun", "run", "--store", "store", "rb.md"]
    argv += ["--log-dir", str(tmp_path / "logs")]
    code, screen = Terminal(argv, _env(tmp_path, TERM="xterm"), cwd=tmp_path).finish()
    assert code == 0, screen
    assert "Slow" not in screen and "last" in screen
    assert _checks(tmp_path) == 1


def test_on_a_terminal_a_guidebook_not_done_asks_its_question_after_the_check(
    tmp_path: Path,
) -> None:
    _tree(tmp_path, _imports("util/asking"))
    argv = [sys.executable, "-m", "mdrun", "run", "--store", "store", "rb.md"]
    argv += ["--log-dir", str(tmp_path / "logs")]
    tty = Terminal(argv, _env(tmp_path, TERM="xterm"), cwd=tmp_path)
    tty.wait_for(b"Slow")
    assert _checks(tmp_path) == 1  # tested before the question was asked
    tty.send("\x1b[B\r")  # Slow
    code, screen = tty.finish()
    assert code == 0, screen
    assert "went slow" in screen
    assert _checks(tmp_path) == 1


def test_plan_shows_the_check_once_and_runs_nothing(tmp_path: Path) -> None:
    _tree(tmp_path, _imports("util/tool"))
    done = run_mdrun(
        "plan", "--store", "store", "--format", "json", "rb.md", cwd=tmp_path, env=_env(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    blocks = json.loads(done.stdout)["blocks"]
    first, second = blocks[0], blocks[1]
    assert first["verdict"] == second["verdict"] == "unknown"
    assert first["reason"].startswith(
        "run unless already done: guidebook util/tool is skipped if `echo checked"
    )
    assert "echo checked" not in second["reason"]
    assert "its check before block 1" in second["reason"]
    assert blocks[2]["verdict"] == "run"
    assert _checks(tmp_path) == 0


def test_the_sh_render_checks_each_import_once(tmp_path: Path) -> None:
    one = "{path: util/tool, group: one, env: {WHO: a}}"
    two = "{path: util/tool, group: two, env: {WHO: b}}"
    _tree(tmp_path, _imports(one, two))
    (tmp_path / "dest" / "tool-b").write_text("")
    script = run_mdrun(
        "plan", "--store", "store", "--format", "sh", "rb.md", cwd=tmp_path, env=_env(tmp_path)
    )
    assert script.returncode == 0, script.stderr
    (tmp_path / "run.sh").write_text(script.stdout)
    assert _checks(tmp_path) == 0
    done = subprocess.run(
        ["bash", "run.sh"],
        check=False,
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "chmodded a" in done.stdout and "chmodded b" not in done.stdout
    assert os.access(tmp_path / "dest" / "tool-a", os.X_OK)
    assert _checks(tmp_path) == 2
