"""The markdown render: golden files, fences that bodies cannot close, prose kept, redaction."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from mdrun.render import render_plan
from mdrun.render.markdown import fence_for, inline_code
from tests.render_golden import SITUATIONS, assert_golden, seedlike_plan
from tests.render_plans import SECRET, sample_plan


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_seedlike_golden(monkeypatch: pytest.MonkeyPatch, situation: str) -> None:
    plan = seedlike_plan(monkeypatch, SITUATIONS[situation])
    assert_golden(f"seedlike-{situation}.md", render_plan(plan, "markdown"))


def _code_fences(text: str) -> list[str]:
    return [t.content for t in MarkdownIt("commonmark").parse(text) if t.type == "fence"]


def test_every_body_survives_as_one_fence(monkeypatch: pytest.MonkeyPatch) -> None:
    for plan in (sample_plan(), seedlike_plan(monkeypatch, SITUATIONS["logs-set-gpus-2"])):
        fences = _code_fences(render_plan(plan, "markdown"))
        bodies = [p.block.body for p in plan.blocks]
        # Other fences (json, text samples) stay in the prose; the shell ones are the bodies.
        assert [f for f in fences if f in bodies] == bodies


def test_fence_longer_than_any_backtick_run() -> None:
    assert fence_for("echo hi\n") == "```"
    assert fence_for("x ````` y") == "``````"
    assert inline_code("a`b") == "``a`b``"
    assert inline_code("`x") == "`` `x ``"


def test_prose_and_verdicts_in_document_order() -> None:
    text = render_plan(sample_plan(), "markdown")
    assert text.index("# Sample") < text.index("**1. `init`**") < text.index("Tail:")
    assert text.index("Tail:") < text.index("**2. `tail`**") < text.index("Last:")
    assert "**SKIP**" in text and "**UNKNOWN** (branch `if`)" in text
    assert "```shell.async" not in text  # the original fences are replaced, not repeated
    assert "| `GREETING` | `hello` |" in text


def test_secrets_redacted_unless_asked() -> None:
    hidden = render_plan(sample_plan(), "markdown")
    assert SECRET not in hidden
    assert "| `API_TOKEN` | `***` | -e |" in hidden
    assert SECRET in render_plan(sample_plan(), "markdown", show_secrets=True)
