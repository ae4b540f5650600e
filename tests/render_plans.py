"""Hand-built plans for the render tests, independent of the loader and the planner."""

from __future__ import annotations

from mdrun.model import (
    Document,
    EnvValue,
    Plan,
    PlannedBlock,
    Runbook,
    Source,
    SourceLocation,
    Verdict,
)
from tests.conftest import make_block

SECRET = "s3cr3t-value-42"


def loc(path: str, line: int) -> SourceLocation:
    """Shorthand for a location."""
    return SourceLocation(path, line)


def sample_plan() -> Plan:
    """Four blocks: a sync run with an export, an async run, a skip, an unknown; an include."""
    blocks = (
        make_block(1, "export GREETING=hello\necho ready\n", "init", origin=(loc("rb.md", 3),)),
        make_block(
            2,
            "while true; do date; sleep 1; done\n",
            "tail",
            origin=(loc("rb.md", 8), loc("snippets/tail.md", 2)),
            is_async=True,
            restart="on-failure",
        ),
        make_block(
            3,
            'if [ "${NUM_GPUS-0}" -gt 0 ]; then nvidia-smi; fi\n',
            "gpu",
            origin=(loc("rb.md", 12),),
        ),
        make_block(
            4, "cat <<'EOF'\n```` not a fence end\nEOF\n", "fences", origin=(loc("rb.md", 17),)
        ),
    )
    env = {
        "API_TOKEN": EnvValue(SECRET, Source("option")),
        "NUM_GPUS": EnvValue("0", Source("env-file", ".env:1")),
        "HOME": EnvValue("/home/u", Source("process")),
    }
    after_init = {
        **env,
        "GREETING": EnvValue("hello", Source("exported", 'block "init" at rb.md:3')),
    }
    verdicts = (
        Verdict("run", "no guard"),
        Verdict("run", "no guard"),
        Verdict("skip", f"NUM_GPUS is 0, not > 0 (API_TOKEN was {SECRET})", branch=None),
        Verdict("unknown", "guard needs execution: $(...)", branch="if"),
    )
    planned = tuple(
        PlannedBlock(block, verdict, env if i == 0 else after_init)
        for i, (block, verdict) in enumerate(zip(blocks, verdicts, strict=True))
    )
    lines = [
        "# Sample",  # 1
        "",
        "```shell",  # 3
        "export GREETING=hello",
        "echo ready",
        "```",
        "Tail:",
        "```shell.async {restart=on-failure}",  # 8 (from the include's line 2)
        "while true; do date; sleep 1; done",
        "```",
        "",
        "```shell",  # 12
        'if [ "${NUM_GPUS-0}" -gt 0 ]; then nvidia-smi; fi',
        "```",
        "",
        "Last:",
        "```shell",  # 17
        "cat <<'EOF'",
        "```` not a fence end",
        "EOF",
        "```",
        "",
    ]
    text = "\n".join(lines)
    origins = [(loc("rb.md", i + 1),) for i in range(text.count("\n") + 1)]
    origins[7] = (loc("rb.md", 8), loc("snippets/tail.md", 2))
    origins[8] = (loc("rb.md", 8), loc("snippets/tail.md", 3))
    origins[9] = (loc("rb.md", 8), loc("snippets/tail.md", 4))
    document = Document("rb.md", text, tuple(origins))
    return Plan(Runbook("rb.md", document, blocks), planned, env)
