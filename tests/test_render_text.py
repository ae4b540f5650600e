"""The text render: golden files on the seed-shaped runbook, colour rules, redaction."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from mdrun.render import render_plan
from mdrun.render.text import print_plan, render_text
from tests.render_golden import SITUATIONS, assert_golden, seedlike_plan
from tests.render_plans import SECRET, sample_plan


def _plain(plan_text_source: object) -> str:
    console = Console(record=True, width=100, color_system=None, file=io.StringIO())
    print_plan(plan_text_source, console)  # type: ignore[arg-type]
    # Trailing blanks are rich's padding: dropped so that editors cannot break the golden files.
    return "\n".join(line.rstrip() for line in console.export_text().split("\n"))


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_seedlike_golden(monkeypatch: pytest.MonkeyPatch, situation: str) -> None:
    plan = seedlike_plan(monkeypatch, SITUATIONS[situation])
    assert_golden(f"seedlike-{situation}.txt", _plain(plan))


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
