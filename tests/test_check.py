"""`mdrun check`: each kind of finding on real runbook files, and the command's exit codes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mdrun.lint import Finding
from mdrun.lint.check import check_runbook
from mdrun.lint.mojibake import repair
from mdrun.model import LoadOptions
from tests.conftest import run_mdrun, write_tree
from tests.render_golden import REPO, SEEDLIKE

pytestmark = pytest.mark.timeout(60)
MOJIBAKE = "\u00f0\u0178\u2018\u2030"  # 👉 as UTF-8 bytes read as cp1252, as in the seed


def _check(path: Path, shellcheck: bool = False) -> list[str]:
    return [str(f) for f in check_runbook(str(path), LoadOptions(), use_shellcheck=shellcheck)]


def test_finding_format() -> None:
    assert str(Finding("a.md", 3, "MD003", "spins")) == "a.md:3: MD003: spins"


def test_seedlike_wait_loop_spins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    found = [str(f) for f in check_runbook(SEEDLIKE, LoadOptions(), use_shellcheck=False)]
    assert found == [
        f"{SEEDLIKE}:22: MD003: polling loop `while true` has a path that never sleeps: it would spin",
        f"{SEEDLIKE}:22: MD004: `sleep 1` is unreachable: it follows `break`",
    ]


@pytest.mark.parametrize(
    ("loop", "spins"),
    [
        ("while true; do if curl -sf x; then break; fi; sleep 1; done", False),
        ("until curl -sf x; do sleep 1; done", False),
        ("until curl -sf x; do echo waiting; done", True),
        ("while true; do curl -sf x && break || sleep 1; done", False),
        ("while true; do curl -sf x && sleep 1; done", True),
        ("while true; do\n  if busy; then continue; fi\n  sleep 1\ndone", True),
        ("while read -r line; do echo $line; done < f", False),
        ('while [ "$i" -lt 3 ]; do i=$((i+1)); done', False),
        ("while :; do sleep 5 & done", True),
    ],
)
def test_polling_loops(tmp_path: Path, loop: str, spins: bool) -> None:
    runbook = write_tree(tmp_path, {"rb.md": f"# t\n\n```shell\n{loop}\n```\n"})
    codes = [line.split(": ")[1] for line in _check(runbook)]
    assert ("MD003" in codes) == spins


def test_mojibake_in_an_include_points_at_the_included_file(tmp_path: Path) -> None:
    runbook = write_tree(
        tmp_path,
        {
            "rb.md": 'Intro\n\n--8<-- "part.md"\n',
            "part.md": f'Text\n\n```shell\necho "{MOJIBAKE} look here"\n```\n',
        },
    )
    expected = f'"{MOJIBAKE}" looks like UTF-8 read as cp1252; did you mean "👉"?'
    assert _check(runbook) == [f"{tmp_path}/part.md:4: MD005: {expected}"]
    assert repair("caf\u00c3\u00a9 na\u00efve") == "café naïve"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"rb.md": 'a\n--8<-- "missing.md"\n'}, "rb.md:2: MD001: "),
        ({"rb.md": '--8<-- "b.md"\n', "b.md": '--8<-- "rb.md"\n'}, "b.md:1: MD001: "),
        ({"rb.md": "x\n\n```shell {colour=red}\necho\n```\n"}, "rb.md:3: MD001: "),
        ({"rb.md": "---\nimports: [nowhere]\n---\nx\n"}, "rb.md:2: MD001: "),
    ],
    ids=["missing-include", "cycle", "unknown-attribute", "missing-import"],
)
def test_load_errors_are_findings(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    found = _check(write_tree(tmp_path, files))
    assert len(found) == 1
    assert found[0].startswith(f"{tmp_path}/{expected}"), found


INPUTS = """\
---
inputs:
  NUM_GPUS: [0, 2]
  STREAMCONSUMER_LOGS: [null, /tmp/logs]
  RAY_ADDRESS: null
---
# t

```shell {name=mode}
export MODE=fast
```

```shell {name=gpus}
if [ "${NUM_GPUS-0}" -gt 0 ]; then nvidia-smi; fi
```

```shell {name=many-gpus}
if [ "${NUM_GPUS-0}" -gt 4 ]; then echo big; fi
```

```shell {name=slow}
if [ "$MODE" = slow ]; then echo slow; fi
```

```shell {name=console}
[ -z "$STREAMCONSUMER_LOGS" ] && echo console
```

```shell {name=address}
if [ -n "$RAY_ADDRESS" ]; then echo "$RAY_ADDRESS"; fi
```
"""


def test_guards_never_true_for_declared_inputs(tmp_path: Path) -> None:
    found = _check(write_tree(tmp_path, {"rb.md": INPUTS}))
    assert [line.split(": ")[0:2] for line in found] == [
        [f"{tmp_path}/rb.md:17", "MD002"],
        [f"{tmp_path}/rb.md:21", "MD002"],
    ]
    assert 'block "many-gpus" can never run' in found[0]
    assert "NUM_GPUS in {'0', '2'}" in found[0]
    assert 'block "slow"' in found[1]


def test_no_inputs_no_guard_findings(tmp_path: Path) -> None:
    body = INPUTS.split("---\n", 2)[2]
    assert _check(write_tree(tmp_path, {"rb.md": body})) == []


def test_malformed_inputs(tmp_path: Path) -> None:
    found = _check(write_tree(tmp_path, {"rb.md": "---\ninputs:\n  X: {a: 1}\n---\nx\n"}))
    assert found == [
        f"{tmp_path}/rb.md:2: MD006: `inputs.X` must be a list of values (null for unset) or null"
    ]


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shellcheck_lines_map_through_includes(tmp_path: Path) -> None:
    runbook = write_tree(
        tmp_path,
        {
            "rb.md": 'x\n\n--8<-- "part.md"\n',
            "part.md": "y\n\n```shell\necho hi\ncd somewhere\n```\n",
        },
    )
    found = _check(runbook, shellcheck=True)
    assert len(found) == 1 and found[0].startswith(f"{tmp_path}/part.md:5: SC2164: ")
    assert _check(runbook, shellcheck=False) == []


def test_cli_exit_codes(tmp_path: Path) -> None:
    clean = write_tree(tmp_path, {"clean.md": "x\n\n```shell\necho hi\n```\n"})
    assert run_mdrun("check", str(clean), cwd=tmp_path).returncode == 0
    spin = write_tree(tmp_path, {"spin.md": "```shell\nuntil curl -sf x; do :; done\n```\n"})
    result = run_mdrun("check", str(spin), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("spin.md:2: MD003: ")  # relative to the working directory
    missing = run_mdrun("check", "nope.md", cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_mojibake_still_found_when_the_runbook_does_not_load(tmp_path: Path) -> None:
    runbook = write_tree(tmp_path, {"rb.md": f'--8<-- "missing.md"\n\necho "{MOJIBAKE}"\n'})
    found = _check(runbook)
    assert [line.split(": ")[1] for line in found] == ["MD001", "MD005"]
    assert found[1].startswith(f"{tmp_path}/rb.md:3: MD005: ")


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shellcheck_runs_side_by_side_and_keeps_each_block_apart(tmp_path: Path) -> None:
    blocks = "".join(
        f"## step {i}\n\n```bash\necho {i}\n{'cd place' if i % 3 else 'ls'}\n```\n\n"
        for i in range(12)
    )
    runbook = write_tree(tmp_path, {"rb.md": blocks})
    found = _check(runbook, shellcheck=True)
    expected = [f"{tmp_path}/rb.md:{7 * i + 5}: SC2164: " for i in range(12) if i % 3]
    # Each block's finding at its own line; the place names it, not the block's name in one
    # runbook (a guidebook's block has another name in each runbook that imports it).
    assert [f[: len(e)] for f, e in zip(found, expected, strict=True)] == expected
    assert not any(f.endswith("]") for f in found)


def test_check_says_once_on_stderr_that_shellcheck_is_missing(tmp_path: Path) -> None:
    (tmp_path / "rb.md").write_text("# x\n\n```bash\necho $X\n```\n")
    (tmp_path / "bin").mkdir()  # a PATH without shellcheck, whatever this machine has
    p = run_mdrun("check", "rb.md", cwd=tmp_path, env={**os.environ, "PATH": str(tmp_path / "bin")})
    assert p.returncode == 0, p.stderr
    assert p.stdout == "mdrun: no findings; 1 runbook checked\n"  # the summary line only
    assert p.stderr.count("shellcheck is not installed") == 1
