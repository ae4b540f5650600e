"""Plans built by hand, so supervisor tests do not depend on the loader and planner."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from mdrun.model import (
    Block,
    BlockOptions,
    Document,
    Plan,
    PlannedBlock,
    Runbook,
    SourceLocation,
    Verdict,
)


def block(name: str, body: str, index: int = 1, **options: Any) -> Block:
    """A block as the loader would make it, at `runbook.md:<10*index>`."""
    origin = (SourceLocation("runbook.md", 10 * index),)
    lines = tuple(origin for _ in body.splitlines())
    return Block(index, name, "bash", body, BlockOptions(name=name, **options), origin, lines)


def plan(
    *specs: tuple[str, str] | tuple[str, str, dict[str, Any]],
    skip: Collection[str] = (),
    unknown: Collection[str] = (),
) -> Plan:
    """`plan(("a", "echo a"), ("b", "sleep 1", {"is_async": True}))`."""
    planned = []
    for i, spec in enumerate(specs, start=1):
        options: dict[str, Any] = spec[2] if len(spec) > 2 else {}
        b = block(spec[0], spec[1], i, **options)
        verdict = Verdict("run", "no guard")
        if spec[0] in skip:
            verdict = Verdict("skip", "FOO is unset")
        elif spec[0] in unknown:
            verdict = Verdict("unknown", "FOO comes from a command substitution")
        planned.append(PlannedBlock(b, verdict, {}))
    blocks = tuple(p.block for p in planned)
    runbook = Runbook("runbook.md", Document("runbook.md", "", ()), blocks)
    return Plan(runbook, tuple(planned), {})
