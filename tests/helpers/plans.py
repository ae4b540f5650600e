"""Plans built by hand, so supervisor tests do not depend on the loader and planner."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from mdrun.model import (
    Document,
    Plan,
    PlannedBlock,
    Runbook,
    Verdict,
)
from tests.conftest import make_block


def plan(
    *specs: tuple[str, str] | tuple[str, str, dict[str, Any]],
    skip: Collection[str] = (),
    unknown: Collection[str] = (),
) -> Plan:
    """`plan(("a", "echo a"), ("b", "sleep 1", {"is_async": True}))`."""
    planned = []
    for i, spec in enumerate(specs, start=1):
        options: dict[str, Any] = spec[2] if len(spec) > 2 else {}
        b = make_block(i, spec[1], spec[0], "runbook.md", 10 * i, language="bash", **options)
        verdict = Verdict("run", "no guard")
        if spec[0] in skip:
            verdict = Verdict("skip", "FOO is unset")
        elif spec[0] in unknown:
            verdict = Verdict("unknown", "FOO comes from a command substitution")
        planned.append(PlannedBlock(b, verdict, {}))
    blocks = tuple(p.block for p in planned)
    runbook = Runbook("runbook.md", Document("runbook.md", "", ()), blocks)
    return Plan(runbook, tuple(planned), {})
