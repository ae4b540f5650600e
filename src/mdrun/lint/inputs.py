"""MD002 and MD006: guards that no combination of the declared inputs can make true.

A runbook declares what it expects in its frontmatter:

    inputs:
      STREAMCONSUMER_LOGS: [null, /tmp/logs]   # unset, or set to this value
      NUM_GPUS: [0, 2]
      RAY_ADDRESS: null                        # any value: never decides a guard

Every combination of the listed values (capped at `MAX_COMBINATIONS`) is planned with the
ordinary planner, so that exports of earlier blocks flow into later guards exactly as in
`mdrun plan`. A block skipped in every combination can never run.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from mdrun.lint import Finding
from mdrun.model import EnvValue, Runbook, Source, SourceLocation
from mdrun.plan.planner import plan

GUARD, SHAPE, UNDECIDED = "MD002", "MD006", "MD008"
MAX_COMBINATIONS = 256
SOURCE = Source("inputs")

Choices = dict[str, list[str | None] | None]


def declared_inputs(runbook: Runbook) -> tuple[Choices | None, list[Finding]]:
    """The `inputs:` mapping (None when absent), or a finding when its shape is wrong."""
    raw = runbook.document.frontmatter.get("inputs")
    if raw is None:
        return None, []
    where = SourceLocation(runbook.path, _key_line(runbook.path))
    if not isinstance(raw, Mapping):
        return None, [Finding.at(where, SHAPE, "`inputs` must map variable names to values")]
    choices: Choices = {}
    for name, values in raw.items():
        if values is None:
            choices[str(name)] = None
        elif isinstance(values, list) and all(not isinstance(v, dict | list) for v in values):
            choices[str(name)] = [None if v is None else _scalar(v) for v in values]
        else:
            message = f"`inputs.{name}` must be a list of values (null for unset) or null"
            return None, [Finding.at(where, SHAPE, message)]
    return choices, []


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _key_line(path: str) -> int:
    # The loader keeps the frontmatter's data, not its lines: find the key in the file itself.
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if line.startswith("inputs:"):
                    return number
    except OSError:
        pass
    return 1


def environments(choices: Choices) -> list[dict[str, EnvValue]]:
    """One planning environment per combination of the listed values."""
    free = {name: EnvValue(None, SOURCE, certain=False) for name, v in choices.items() if v is None}
    listed = [(name, values) for name, values in choices.items() if values is not None]
    combos = itertools.product(*(values or [None] for _, values in listed))
    envs = []
    for combo in itertools.islice(combos, MAX_COMBINATIONS):
        env = dict(free)
        for (name, _), value in zip(listed, combo, strict=True):
            if value is not None:
                env[name] = EnvValue(value, SOURCE)
        envs.append(env)
    return envs


def _describe(choices: Choices) -> str:
    parts = []
    for name, values in choices.items():
        if values is not None:
            shown = ", ".join("unset" if v is None else repr(v) for v in values)
            parts.append(f"{name} in {{{shown}}}")
    return "; ".join(parts)


def find_dead_guards(runbook: Runbook) -> list[Finding]:
    """Blocks that every combination of the declared inputs skips."""
    choices, findings = declared_inputs(runbook)
    if choices is None:
        return findings
    plans = [plan(runbook, env) for env in environments(choices)]
    for i, block in enumerate(runbook.blocks):
        verdicts = [p.blocks[i].verdict for p in plans]
        if verdicts and all(v.kind == "skip" for v in verdicts):
            message = (
                f'block "{block.name}" can never run for the declared inputs '
                f"({_describe(choices)}): {verdicts[0].reason}"
            )
            findings.append(Finding.at(block.origin, GUARD, message))
    return findings


def find_undecided(runbook: Runbook) -> list[Finding]:
    """MD008, for `mdrun plan --fail-on-unknown`: each URL import that was not fetched (its
    blocks are unknown whatever the inputs), then blocks whose verdict is `unknown` for some
    combination of the declared inputs (none when the runbook declares no inputs)."""
    findings = [
        Finding.at(
            u.origin,
            UNDECIDED,
            f"{u.url} was not fetched: its blocks are unknown (--allow-url fetches it)",
        )
        for u in runbook.document.unfetched
    ]
    choices, shape = declared_inputs(runbook)
    findings += shape
    if choices is None:
        return findings
    envs = environments(choices)
    plans = [plan(runbook, env) for env in envs]
    for i, block in enumerate(runbook.blocks):
        undecided = [(env, p.blocks[i].verdict) for env, p in zip(envs, plans, strict=True)]
        for env, verdict in undecided:
            if verdict.kind == "unknown":
                given = _combination(env) or "any values"
                message = f'block "{block.name}" is unknown for {given}: {verdict.reason}'
                findings.append(Finding.at(block.origin, UNDECIDED, message))
                break
    return findings


def _combination(env: Mapping[str, EnvValue]) -> str:
    return ", ".join(f"{name}={value.value}" for name, value in env.items() if value.certain)
