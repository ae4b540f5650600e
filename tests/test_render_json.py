"""The json render: schema mdrun.plan/1, determinism, flips, redaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mdrun.blocks.extract import load_runbook
from mdrun.model import LoadOptions
from mdrun.plan.environment import initial_environment
from mdrun.plan.planner import plan
from mdrun.render import render_plan
from mdrun.render.plan_json import SCHEMA
from tests.render_golden import SITUATIONS, assert_golden, seedlike_plan
from tests.render_plans import SECRET, sample_plan

BLOCK_KEYS = [
    "index", "name", "mode", "language", "heading", "origin",
    "verdict", "reason", "branch", "choices", "chosen", "options", "body",
]  # fmt: skip


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_seedlike_golden(monkeypatch: pytest.MonkeyPatch, situation: str) -> None:
    plan = seedlike_plan(monkeypatch, SITUATIONS[situation])
    assert_golden(f"seedlike-{situation}.json", render_plan(plan, "json"))


def _verdicts(monkeypatch: pytest.MonkeyPatch, situation: str) -> dict[str, str]:
    data = json.loads(render_plan(seedlike_plan(monkeypatch, SITUATIONS[situation]), "json"))
    return {block["name"]: block["verdict"] for block in data["blocks"]}


def test_console_and_file_logging_flip(monkeypatch: pytest.MonkeyPatch) -> None:
    with_file = _verdicts(monkeypatch, "logs-set-gpus-0")
    console = _verdicts(monkeypatch, "logs-unset-gpus-0")
    to_console, to_file = "logs-just-to-console", "follow-the-job-log-over-the-websocket"
    assert (with_file[to_console], with_file[to_file]) == ("skip", "run")
    assert (console[to_console], console[to_file]) == ("run", "skip")


def test_gpu_block_flips(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _verdicts(monkeypatch, "logs-set-gpus-2")["gpu-utilization"] == "run"
    assert _verdicts(monkeypatch, "logs-set-gpus-0")["gpu-utilization"] == "skip"


def test_schema_shape() -> None:
    data = json.loads(render_plan(sample_plan(), "json"))
    keys = ["schema", "runbook", "summary", "environment", "questions", "unfetched_imports"]
    assert list(data) == [*keys, "blocks"]
    assert data["unfetched_imports"] == []
    assert data["schema"] == SCHEMA == "mdrun.plan/1"
    assert data["runbook"] == "rb.md"
    assert data["summary"] == {"blocks": 4, "run": 2, "skip": 1, "unknown": 1}
    tail = data["blocks"][1]
    assert list(tail) == BLOCK_KEYS
    assert tail["mode"] == "async"
    assert tail["origin"] == [
        {"path": "rb.md", "line": 8},
        {"path": "snippets/tail.md", "line": 2},
    ]
    assert tail["options"]["restart"] == "on-failure"
    assert tail["options"]["async"] is True
    assert data["blocks"][3]["branch"] == "if"
    assert list(data["environment"]) == sorted(data["environment"])
    assert "HOME" not in data["environment"]  # inherited, and the runbook never reads it
    everything = json.loads(render_plan(sample_plan(), "json", show_env=True))["environment"]
    assert everything["HOME"]["source"] == "process environment"


def test_deterministic() -> None:
    assert render_plan(sample_plan(), "json") == render_plan(sample_plan(), "json")


def test_secrets_redacted_unless_asked() -> None:
    hidden = render_plan(sample_plan(), "json")
    assert SECRET not in hidden
    token = json.loads(hidden)["environment"]["API_TOKEN"]
    assert token == {"value": "***", "source": "-e", "certain": True, "redacted": True}
    shown = json.loads(render_plan(sample_plan(), "json", show_secrets=True))
    assert shown["environment"]["API_TOKEN"]["value"] == SECRET
    assert shown["environment"]["API_TOKEN"]["redacted"] is False
    assert SECRET in shown["blocks"][2]["reason"]


def test_only_inherited_variables_the_runbook_reads_are_listed_and_url_passwords_hidden(
    tmp_path: Path,
) -> None:
    (tmp_path / "rb.md").write_text('```bash\npsql "$DATABASE_URL" -c "select 1"\n```\n')
    environ = {
        "DATABASE_URL": "postgres://u:hunter2@h/db",
        "UNRELATED": "postgres://v:swordfish@h/x",
        "PATH": "/usr/bin:/bin",
    }
    p = plan(
        load_runbook(str(tmp_path / "rb.md"), LoadOptions()), initial_environment(environ, [], [])
    )
    text = render_plan(p, "json")
    assert "hunter2" not in text and "swordfish" not in text
    env = json.loads(text)["environment"]
    assert list(env) == ["DATABASE_URL"]
    assert env["DATABASE_URL"]["value"] == "postgres://u:***@h/db"
    assert env["DATABASE_URL"]["redacted"] is True
    everything = json.loads(render_plan(p, "json", show_env=True))["environment"]
    assert sorted(everything) == ["DATABASE_URL", "PATH", "UNRELATED"]
    assert everything["UNRELATED"]["value"] == "postgres://v:***@h/x"
    shown = json.loads(render_plan(p, "json", show_secrets=True))["environment"]
    assert shown["DATABASE_URL"]["value"] == "postgres://u:hunter2@h/db"
