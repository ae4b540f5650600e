"""The seed-shaped runbook (tests/fixtures/seedlike) loaded for real: its block list.

The expected origins are looked up in the fixture files themselves, so the test states the
rule (fence line, through the include marker) rather than copying numbers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mdrun.blocks.extract import load_runbook
from mdrun.model import LoadOptions, Origin, Runbook, SourceLocation

SEEDLIKE = Path(__file__).parent / "fixtures" / "seedlike"
RUNBOOK = "stream-logs.md"


def line_of(path: str, needle: str, after: int = 0) -> SourceLocation:
    """The first line of fixture file `path` below line `after` that contains `needle`."""
    lines = (SEEDLIKE / path).read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, start=1):
        if number > after and needle in line:
            return SourceLocation(path, number)
    raise AssertionError(f"{needle!r} not in {path}")


def marker(target: str) -> SourceLocation:
    return line_of(RUNBOOK, f'--8<-- "./{target}"')


@pytest.fixture
def runbook(monkeypatch: pytest.MonkeyPatch) -> Runbook:
    monkeypatch.chdir(SEEDLIKE)
    result: Runbook = load_runbook(RUNBOOK, LoadOptions())
    return result


def expected() -> list[tuple[str, str, Origin]]:
    via_websocat = (marker("logs/via-websocat.md"), line_of("logs/via-websocat.md", "```"))
    wait = line_of(RUNBOOK, "```shell")
    return [
        (
            "stream-pod-resource-usage",
            "async",
            (marker("pod-stats.md"), line_of("pod-stats.md", "```shell.async")),
        ),
        (
            "gpu-utilization",
            "async",
            (marker("gpu-utilization.md"), line_of("gpu-utilization.md", "```")),
        ),
        (
            "capture-the-job-definition",
            "sync",
            (marker("job-definition.md"), line_of("job-definition.md", "```shell")),
        ),
        ("stream-ray-job-logs", "sync", (wait,)),
        ("stream-ray-job-logs-2", "sync", (line_of(RUNBOOK, "```shell", after=wait.line + 1),)),
        (
            "logs-just-to-console",
            "async",
            (marker("logs/via-cli.md"), line_of("logs/via-cli.md", "```")),
        ),
        ("follow-the-job-log-over-the-websocket", "async", via_websocat),
    ]


def test_block_list_order_modes_names_origins(runbook: Runbook) -> None:
    got = [(b.name, b.mode, b.origin) for b in runbook.blocks]
    assert got == expected()
    assert [b.index for b in runbook.blocks] == list(range(1, 8))


def test_console_json_and_text_fences_are_not_blocks(runbook: Runbook) -> None:
    bodies = "".join(b.body for b in runbook.blocks)
    assert "raysubmit_" not in bodies
    assert "ray-head-7xk2q" not in bodies
    assert "Connecting to existing Ray cluster" not in bodies


def test_indented_include_inside_async_fence(runbook: Runbook) -> None:
    """The script included inside `if` is indented by the marker's indentation, and each of
    its lines knows it came from the script, through both include markers."""
    block = runbook.blocks[-1]
    script = (SEEDLIKE / "logs" / "follow-websocket.sh").read_text(encoding="utf-8")
    script_lines = script.rstrip("\n").split("\n")
    body_lines = block.body.split("\n")
    assert body_lines[0] == 'if [ -n "$STREAMCONSUMER_LOGS" ]; then'
    assert body_lines[1 : 1 + len(script_lines)] == ["    " + line for line in script_lines]
    assert block.body.endswith("\nfi\n")
    chain = (marker("logs/via-websocat.md"), line_of("logs/via-websocat.md", "--8<--"))
    for i in range(len(script_lines)):
        assert block.line_origins[1 + i] == (
            *chain,
            SourceLocation("logs/follow-websocket.sh", i + 1),
        )
    assert block.line_origins[-1] == (chain[0], line_of("logs/via-websocat.md", "fi"))
    assert len(block.line_origins) == block.body.count("\n")


def test_every_line_origin_points_at_its_text(runbook: Runbook) -> None:
    """Reading the file:line a body line claims to come from gives that line back (modulo the
    indentation an include marker adds)."""
    for block in runbook.blocks:
        for text, origin in zip(block.body.split("\n"), block.line_origins, strict=False):
            where = origin[-1]
            source = (SEEDLIKE / where.path).read_text(encoding="utf-8").split("\n")
            assert text.endswith(source[where.line - 1]), (block.name, where)
