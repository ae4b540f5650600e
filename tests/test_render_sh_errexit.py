"""Failures in the sh render: the script, run by real bash, against `mdrun run` on the same runbook.

Each case renders the runbook with `mdrun plan --format sh`, runs the script, runs
`python -m mdrun run` on the same file, and checks that both exit alike and print the same
blocks' lines (the `[block] ...` lines; mdrun's own `[mdrun]` lines and summary are left out).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_mdrun

pytestmark = pytest.mark.timeout(90)

FAILING = """\
```shell {name=cleanup finally=true}
echo "cleanup A=$A C=$C dir=$(basename "$PWD")"
```

```shell {name=init}
export A=1
mkdir -p sub && cd sub
```

```shell {name=broken OPTIONS}
export C=3
echo a; false; echo not-reached
```

```shell {name=next}
echo "next A=$A C=$C"
```
"""


@dataclass(frozen=True)
class Outcome:
    """How one run ended: exit code, the blocks' console lines, stderr."""

    code: int
    lines: list[str]
    stderr: str


def _outcome(result: subprocess.CompletedProcess[str]) -> Outcome:
    lines = [
        line
        for line in result.stdout.splitlines()
        if line.startswith("[") and not line.startswith("[mdrun]")
    ]
    return Outcome(result.returncode, lines, result.stderr)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "MDRUN_GRACE": "2", "HOME": str(tmp_path), **extra}


def _mdrun_env(work: Path) -> dict[str, str]:
    return _env(work, PYTHONPATH=os.pathsep.join(sys.path))


def _script(tmp_path: Path, text: str, **extra: str) -> Outcome:
    """Render `text` as a script and run it with bash, in a fresh directory named like _run's."""
    work = tmp_path / "script" / "work"
    work.mkdir(parents=True)
    (work / "rb.md").write_text(text)
    rendered = run_mdrun("plan", "--format", "sh", "rb.md", cwd=work, env=_mdrun_env(work))
    assert rendered.returncode == 0, rendered.stderr
    (work / "plan.sh").write_text(rendered.stdout)
    result = subprocess.run(
        ["bash", "plan.sh"], check=False, cwd=work, text=True, capture_output=True, timeout=60,
        env=_env(work, MDRUN_LOG_DIR=str(work / "logs"), **extra),
    )  # fmt: skip
    return _outcome(result)


def _run(tmp_path: Path, text: str, *options: str) -> Outcome:
    """Run `text` with `mdrun run` in its own fresh directory."""
    work = tmp_path / "run" / "work"
    work.mkdir(parents=True)
    (work / "rb.md").write_text(text)
    logs = str(work / "logs")
    return _outcome(
        run_mdrun("run", "rb.md", "--log-dir", logs, *options, cwd=work, env=_mdrun_env(work))
    )


def _both(tmp_path: Path, text: str) -> Outcome:
    """The script's outcome, after checking that `mdrun run` ends the same way."""
    script, run = _script(tmp_path, text), _run(tmp_path, text)
    assert (script.code, script.lines) == (run.code, run.lines), (script, run)
    return script


def test_failing_command_mid_block_stops_the_run(tmp_path: Path) -> None:
    script = _both(tmp_path, FAILING.replace(" OPTIONS", ""))
    assert script.code == 1
    assert "mdrun: block 3 (broken) failed with exit code 1" in script.stderr
    # The finally block sees the exports made before the failure, the failed block's too.
    assert script.lines == ["[broken] a", "[cleanup] cleanup A=1 C=3 dir=sub"]


def test_allow_failure_goes_on_to_the_next_block(tmp_path: Path) -> None:
    script = _both(tmp_path, FAILING.replace("OPTIONS", "allow-failure=true"))
    assert script.code == 0
    assert script.lines == [
        "[broken] a",
        "[next] next A=1 C=3",
        "[cleanup] cleanup A=1 C=3 dir=sub",
    ]
    assert "block 3 (broken) failed with exit code 1; going on (allow-failure)" in script.stderr


def test_keep_going_goes_on_and_exits_1(tmp_path: Path) -> None:
    text = FAILING.replace(" OPTIONS", "")
    script = _script(tmp_path, text, MDRUN_KEEP_GOING="1")
    run = _run(tmp_path, text, "--keep-going")
    assert (script.code, script.lines) == (run.code, run.lines) == (1, script.lines)
    assert "[next] next A=1 C=3" in script.lines and "not-reached" not in str(script.lines)


def test_exit_90_mid_block_stops_successfully(tmp_path: Path) -> None:
    text = FAILING.replace(" OPTIONS", "").replace("false;", "exit 90;")
    script = _both(tmp_path, text)
    assert script.code == 0
    assert script.lines == ["[broken] a", "[cleanup] cleanup A=1 C=3 dir=sub"]


def test_exit_0_mid_block_ends_only_that_block(tmp_path: Path) -> None:
    text = FAILING.replace(" OPTIONS", "").replace("false;", "exit 0;")
    script = _both(tmp_path, text)
    assert script.code == 0
    assert "[next] next A=1 C=3" in script.lines and "not-reached" not in str(script.lines)


TESTED = """\
```shell {name=tested}
if false; then echo no; fi
false || echo recovered
! true
false && echo no
f() { false; echo after-false-in-f; }
f || echo f-tested
echo end
```

```shell {name=plain}
B=local-only
export E=exported
```

```shell {name=after}
echo "after B=${B-unset} E=$E"
```
"""


def test_tested_failures_do_not_stop_and_plain_variables_stay(tmp_path: Path) -> None:
    """bash -e ignores failures it tests (if, ||, &&, !, a tested function); plain variables
    stay in their block, exports flow on."""
    script = _both(tmp_path, TESTED)
    assert script.code == 0
    assert script.lines == [
        "[tested] recovered",
        "[tested] after-false-in-f",
        "[tested] end",
        "[after] after B=unset E=exported",
    ]


# Cleanups run last registered first; the async block is allowed to fail (the sh render does
# not stop the script on an async failure, see its header).
ASYNC_AND_FINALLY = """\
```shell {name=fails-last finally=true}
echo "last E=$E"; false; echo not-reached-finally
```

```shell {name=first-cleanup finally=true}
export E=from-cleanup
```

```shell {name=bg async=true allow-failure=true}
echo bg-start; false; echo not-reached-async
```

```shell {name=wait}
sleep 1; echo waited
```
"""


def test_async_and_finally_bodies_run_under_errexit(tmp_path: Path) -> None:
    script = _both(tmp_path, ASYNC_AND_FINALLY)
    # A failed finally block makes the run fail; exports flow from one finally block on.
    assert script.code == 1
    assert sorted(script.lines) == [
        "[bg] bg-start",
        "[fails-last] last E=from-cleanup",
        "[wait] waited",
    ]
    assert "finally block fails-last failed with exit code 1" in script.stderr


def test_cwd_block_failure_keeps_its_exports_not_its_directory(tmp_path: Path) -> None:
    text = """\
```shell {name=prep}
mkdir -p elsewhere
```

```shell {name=there cwd=elsewhere allow-failure=true}
export WHERE=$(basename "$PWD"); cd /; false
```

```shell {name=here}
echo "here WHERE=$WHERE dir=$(basename "$PWD")"
```
"""
    script = _both(tmp_path, text)
    assert script.code == 0
    assert script.lines == ["[here] here WHERE=elsewhere dir=work"]


VALUES = """\
```shell {name=set}
export NL=$'line1\\nline2' EQ='a=b=c' SP='  x  ' GONE=1 KEPT=1
```

```shell {name=change}
unset GONE; export -n KEPT
printf '%s|' "$NL" "$EQ" "$SP" "${GONE-unset}" "${KEPT-unset}"; echo
```

```shell {name=next}
echo "next KEPT=${KEPT-unset}"
```
"""


def test_exported_values_flow_exactly(tmp_path: Path) -> None:
    """Newlines, `=` and spaces survive the trip to the next block; unset and un-exported
    variables are gone from it, as with `mdrun run`."""
    script = _both(tmp_path, VALUES)
    assert script.lines == [
        "[change] line1",
        "[change] line2|a=b=c|  x  |unset|1|",
        "[next] next KEPT=unset",
    ]
