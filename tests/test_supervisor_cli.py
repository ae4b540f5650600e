"""`mdrun run` end to end: loader and planner, then the supervisor, on runbook files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_mdrun
from tests.helpers.ontty import run_on_tty

pytestmark = pytest.mark.timeout(60)

RUNBOOK = """\
# Deploy

```bash
export TARGET=staging
mkdir -p work && cd work
```

```bash {name=tidy finally=true}
echo "tidy $TARGET"
```

```bash {name=server async=true ready="listening"}
echo listening; sleep 30
```

```bash {name=prod-only when='[ "$TARGET" = prod ]'}
echo "never on staging"
```

```bash {name=use}
echo "deploying to $TARGET from ${PWD##*/}"
exit ${FAIL:-0}
```
"""


def mdrun(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "runbook.md").write_text(RUNBOOK)
    argv = ["run", "runbook.md", "--log-dir", "logs", "--grace", "1", *args]
    return run_mdrun(*argv, cwd=tmp_path, env=os.environ, timeout=50)


def test_a_runbook_runs_with_state_guards_ready_and_cleanup_at_the_end(tmp_path: Path) -> None:
    p = mdrun(tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "[use] deploying to staging from work" in p.stdout
    assert "skipped prod-only" in p.stdout and "never on staging" not in p.stdout
    assert p.stdout.index("server is ready") < p.stdout.index("[use]")
    assert p.stdout.index("[use]") < p.stdout.index("[tidy] tidy staging")
    manifest = json.loads((tmp_path / "logs" / "run.json").read_text())
    statuses = {b["name"]: b["status"] for b in manifest["blocks"]}
    assert statuses == {
        "deploy": "ok",
        "tidy": "ok",
        "server": "stopped",
        "prod-only": "skipped",
        "use": "ok",
    }
    assert manifest["blocks"][4]["origin"] == "runbook.md:20"


def test_a_failing_block_exits_1_naming_its_origin(tmp_path: Path) -> None:
    p = mdrun(tmp_path, "-e", "FAIL=3")
    assert p.returncode == 1
    assert "block 'use' (runbook.md:20) failed with exit code 3" in p.stderr
    assert "[tidy] tidy staging" in p.stdout  # registered before the failure, run after it


def test_an_unwritable_log_dir_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "logs").write_text("a file, not a directory")
    p = mdrun(tmp_path)
    assert p.returncode == 2 and "cannot use log directory logs" in p.stderr
    assert "[" not in p.stdout


def test_on_a_terminal_the_live_area_is_drawn_then_replaced_by_the_summary(
    tmp_path: Path,
) -> None:
    (tmp_path / "runbook.md").write_text(RUNBOOK)
    argv = [sys.executable, "-m", "mdrun", "run", "runbook.md", "--log-dir", "logs"]
    code, out = run_on_tty(argv, tmp_path)  # a terminal nobody sized (0x0), as under `script`
    assert code == 0
    text = out.decode(errors="replace")
    assert text.rindex("\x1b[J") < text.index("mdrun summary")  # area erased, then the table
    plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    assert "● server running" in plain and "[server] listening" in plain
