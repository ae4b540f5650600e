"""The text render: golden files on the seed-shaped runbook, colour rules, redaction.

The golden files hold the plain output (what a pipe or NO_COLOR gets); the styled output, used on
a colour terminal, is checked against it: the same text wherever it has no line to wrap.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from mdrun.model import Document, Plan, PlannedBlock, Runbook, Verdict
from mdrun.render import render_plan
from mdrun.render.text import render_text
from tests.conftest import make_block
from tests.render_golden import REPO, SEEDLIKE, SITUATIONS, assert_golden, seedlike_plan
from tests.render_plans import SECRET, loc, sample_plan


def _plain(plan: Plan) -> str:
    return render_text(plan, color=False)


def _rich(plan: Plan, width: int) -> str:
    """The styled output with its styles taken out again."""
    return re.sub(r"\x1b\[[0-9;]*m", "", render_text(plan, color=True, width=width))


def render_plain(plan: Plan) -> str:
    return render_text(plan, color=False)


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_seedlike_golden(monkeypatch: pytest.MonkeyPatch, situation: str) -> None:
    plan = seedlike_plan(monkeypatch, SITUATIONS[situation])
    assert_golden(f"seedlike-{situation}.txt", _plain(plan))


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_rich_render_draws_the_plain_layout(
    monkeypatch: pytest.MonkeyPatch, situation: str
) -> None:
    plan = seedlike_plan(monkeypatch, SITUATIONS[situation])
    # Wide enough for the longest body line: rich wraps nothing and must say the same thing.
    assert _rich(plan, width=300) == render_plain(plan)


def test_rich_and_plain_agree_on_options_and_secrets() -> None:
    assert _rich(sample_plan(), width=300) == render_plain(sample_plan())


def test_rich_render_wraps_inside_the_indent(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = seedlike_plan(monkeypatch, SITUATIONS["logs-set-gpus-2"])
    plain, wrapped = render_plain(plan).splitlines(), _rich(plan, width=100).splitlines()
    # The plain render keeps each shell line whole, however long.
    assert any("kubectl top pod" in line and line.endswith("--no-headers \\") for line in plain)
    assert max(map(len, plain)) > 100
    assert max(map(len, wrapped)) <= 100
    first = next(i for i, line in enumerate(wrapped) if line.startswith("  1  "))
    blocks = [line for line in wrapped[first:] if line]
    heads = [line for line in blocks if line[:3].strip().isdigit()]
    assert len(heads) == len(plan.blocks)
    assert all(line.startswith(" " * 5) for line in blocks if line not in heads)


def test_plain_path_does_not_import_rich() -> None:
    code = (
        "import sys\n"
        "from mdrun.cli import main\n"
        "assert main(['plan', sys.argv[1]]) == 0\n"
        "print('RICH' if any(m.split('.')[0] == 'rich' for m in sys.modules) else 'NO-RICH')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, SEEDLIKE],
        cwd=REPO,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Plan for tests/fixtures/seedlike/stream-logs.md" in proc.stdout
    assert proc.stdout.rstrip().endswith("NO-RICH")


def test_verdicts_flip_with_the_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    def verdict_line(situation: str, name: str) -> str:
        text = _plain(seedlike_plan(monkeypatch, SITUATIONS[situation]))
        line = next(line for line in text.splitlines() if f"  {name}  " in line)
        return line.split()[-1]

    assert verdict_line("logs-set-gpus-2", "logs-just-to-console") == "SKIP"
    assert verdict_line("logs-unset-gpus-2", "logs-just-to-console") == "RUN"
    assert verdict_line("logs-set-gpus-2", "gpu-utilization") == "RUN"
    assert verdict_line("logs-set-gpus-0", "gpu-utilization") == "SKIP"


def test_block_parts_are_shown() -> None:
    text = render_text(sample_plan(), color=False, width=100)
    assert "  2  tail  async  RUN" in text
    assert "snippets/tail.md:2 (via rb.md:8)" in text
    assert "options: restart=on-failure" in text
    assert "[branch: if]" in text
    assert "export GREETING=hello" in text


def test_secrets_redacted_unless_asked() -> None:
    hidden = render_text(sample_plan(), color=False, width=100)
    assert SECRET not in hidden
    assert "API_TOKEN=***" in hidden
    shown = render_text(sample_plan(), show_secrets=True, color=False, width=100)
    assert f"API_TOKEN={SECRET}" in shown


def test_colour_only_when_asked_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "\x1b[" in render_text(sample_plan(), color=True, width=100)
    assert "\x1b[" not in render_text(sample_plan(), color=False, width=100)
    monkeypatch.setenv("NO_COLOR", "1")
    # Default: decided from stdout (a pytest capture, not a TTY) and NO_COLOR.
    assert "\x1b[" not in render_plan(sample_plan(), "text")


def test_no_trailing_blanks() -> None:
    text = render_text(sample_plan(), color=False, width=100)
    assert all(line == line.rstrip() for line in text.splitlines())


def _plan_with_body(body: str) -> Plan:
    block = make_block(1, body, "sneaky", origin=(loc("rb.md", 3),))
    runbook = Runbook("rb.md", Document("rb.md", "", ()), (block,))
    return Plan(runbook, (PlannedBlock(block, Verdict("run", "no guard"), {}),), {})


@pytest.mark.parametrize("color", [False, True])
def test_control_characters_cannot_redraw_the_review(color: bool) -> None:
    # A carriage return and "erase line" would make `rm -rf ~` look like `echo safe` on a tty.
    text = render_text(_plan_with_body("rm -rf ~\r\x1b[2Kecho safe\n"), color=color, width=100)
    shown = re.sub(r"\x1b\[[0-9;]*m", "", text)  # the render's own colours, if any
    assert "\r" not in shown and "\x1b" not in shown
    assert "rm -rf ~\\x0d\\x1b[2Kecho safe" in shown


def _styled_lines(plan: Plan, width: int) -> list[str]:
    return _rich(plan, width).splitlines()


def test_at_80_columns_lines_wrap_at_spaces_with_a_continuation_mark(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = seedlike_plan(monkeypatch, SITUATIONS["logs-set-gpus-2"])
    lines = _styled_lines(plan, 80)
    assert max(len(line) for line in lines) <= 80
    marked = [i for i, line in enumerate(lines) if line.lstrip().startswith("↪ ")]
    assert marked  # the seed's long kubectl lines do wrap
    plain = render_plain(plan)
    for i in marked:  # broken at a space (taken out), else after punctuation, never mid-word
        before, after = lines[i - 1].lstrip(), lines[i].lstrip()[2:]
        if lines[i - 2].lstrip().startswith("↪ "):
            continue  # a third piece: its start is checked with the piece before
        if f"{before} {after}" not in plain:
            assert f"{before}{after}" in plain and before[-1] in ",/|;=:", (before, after)


def test_skipped_bodies_are_dimmed_not_highlighted(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = seedlike_plan(monkeypatch, SITUATIONS["logs-set-gpus-0"])
    text = render_text(plan, color=True, width=300)
    skipped = text[text.index("stream-pod-resource-usage") : text.index("  2  ")]
    body = [line for line in skipped.splitlines() if line.startswith(" " * 7)]
    assert body and all(line.strip().startswith("\x1b[2m") for line in body)
    assert all(set(re.findall(r"\x1b\[([0-9;]*)m", line)) <= {"2", "0"} for line in body)
    ran = text[text.index("capture-the-job-definition") :]
    assert "\x1b[1;34mif" in ran  # a block that runs is highlighted


def test_one_block_is_one_block() -> None:
    assert "1 block, 1 run" in render_text(_plan_with_body("echo\n"), color=False)
