"""Static guard evaluation: will a block do something, decided without running anything.

A block is guarded when its body (comments aside) is a single `if … fi` (with `elif`/`else`),
or a single `TEST && … && command` list, or when it has a `when=` attribute (ANDed with the
body's guard). The verdict is `run`, `skip` or `unknown`, with a reason a person can check.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from mdrun.model import Block, Environment, Verdict
from mdrun.plan.guardshape import Branch, GuardKind, shape, strip_separators
from mdrun.shell.conditions import Evaluator
from mdrun.shell.parse import Parsed, ShellSyntaxError, parse
from mdrun.shell.scan import may_change_env
from mdrun.shell.scope import Outcome, Scope
from mdrun.shell.syntax import Body, body_span

_LOOKS_GUARDED = re.compile(r"\s*(?:#[^\n]*\n\s*)*(?:if|\[\[?|test|!)\s")


class Guard(NamedTuple):
    """What guards a block."""

    when: str | None
    """The `when=` attribute, if any."""
    kind: GuardKind | None
    """`if` for an if/elif/else body, `and` for `TEST && command`, None when the body is plain."""
    conditions: tuple[str, ...]
    """Source text of each condition of the body guard (`if`, then each `elif`)."""
    has_else: bool
    """The body's `if` has an `else` branch."""


class Decision(NamedTuple):
    """A verdict and what it means for the block's effects (used by the planner)."""

    verdict: Verdict
    """The verdict shown to people."""
    parsed: Parsed | None
    """The parsed body, None when it was not parsed (a syntax error, or `when=` is false)."""
    paths: tuple[Body, ...]
    """The bodies the block may run: one path means certain, `()` means nothing runs."""


def looks_guarded(body: str) -> bool:
    """Whether the body's first command could start a guard (`if`, `[`, `[[`, `test`, `!`)."""
    return _LOOKS_GUARDED.match(body) is not None


def block_guard(block: Block) -> Guard | None:
    """The block's guards, or None when it has none (or its body cannot be parsed)."""
    if block.options.when is None and not looks_guarded(block.body):
        return None
    kind: GuardKind | None = None
    branches: tuple[Branch, ...] = ()
    conditions: tuple[str, ...] = ()
    try:
        parsed = parse(block.body)
    except ShellSyntaxError:
        pass
    else:
        kind, branches = shape(parsed)
        conditions = tuple(_condition_text(parsed, b) for b in branches if b.condition)
    if kind is None and block.options.when is None:
        return None
    has_else = any(b.label == "else" for b in branches)
    return Guard(block.options.when, kind, conditions, has_else)


def _condition_text(parsed: Parsed, branch: Branch) -> str:
    span = body_span(strip_separators(branch.condition or ()))
    return parsed.source[span[0] : span[1]] if span else ""


def evaluate(condition: str, env: Environment) -> Verdict:
    """`run` when `if CONDITION; then` would take the branch, `skip` when not, else `unknown`."""
    outcome = condition_outcome(condition, Scope(env))
    return Verdict(_kind(outcome), _reason(outcome))


def condition_outcome(condition: str, scope: Scope) -> Outcome:
    """The exit status of a condition's source text."""
    try:
        parsed = parse(condition)
    except ShellSyntaxError as exc:
        return Outcome(None, f"could not parse {condition!r}: {exc}")
    return Evaluator(parsed, scope).parts(parsed.nodes)


def block_verdict(block: Block, env: Environment) -> Verdict:
    """The block's verdict against a planned environment."""
    return decide(block, Scope(env)).verdict


def decide(block: Block, scope: Scope) -> Decision:
    """Verdict and possible paths of `block` in `scope`."""
    when = None if block.options.when is None else condition_outcome(block.options.when, scope)
    if when is not None and when.value is False:
        return Decision(Verdict("skip", f"when: {when.text}"), None, ((),))
    if when is None and not looks_guarded(block.body) and not may_change_env(block.body):
        return Decision(Verdict("run", "no guard"), None, ((),))
    try:
        parsed = parse(block.body)
    except ShellSyntaxError as exc:
        if (when is None or when.value is True) and not looks_guarded(block.body):
            return Decision(
                Verdict("run", f"no guard (the body could not be parsed: {exc})"), None, ()
            )
        return Decision(Verdict("unknown", f"could not parse the body: {exc}"), None, ())
    body = _body_decision(parsed, scope)
    if when is None:
        return body
    if when.value is True:
        reason = body.verdict.reason
        prefix = f"when: {when.text}"
        merged = prefix if reason == "no guard" else f"{prefix}; {reason}"
        return Decision(Verdict(body.verdict.kind, merged, body.verdict.branch), parsed, body.paths)
    if body.verdict.kind == "skip":
        return body
    return Decision(Verdict("unknown", f"when: {_reason(when)}"), parsed, (*body.paths, ()))


def _body_decision(parsed: Parsed, scope: Scope) -> Decision:
    kind, branches = shape(parsed)
    if kind is None:
        return Decision(Verdict("run", "no guard"), parsed, (parsed.nodes,))
    return decide_branches(parsed, branches, scope, name_branch=kind == "if")


def decide_branches(
    parsed: Parsed, branches: tuple[Branch, ...], scope: Scope, *, name_branch: bool = True
) -> Decision:
    """Which of an if/elif/else's branches runs: the first whose condition holds."""
    evaluator = Evaluator(parsed, scope)
    facts: list[str] = []
    maybe: list[Body] = []
    unknown: Outcome | None = None
    labelled = len(branches) > 1
    for branch in branches:
        if branch.condition is None:
            if unknown is not None:
                return _unknown(unknown, parsed, (*maybe, branch.body))
            return Decision(Verdict("run", "; ".join(facts), "else"), parsed, (branch.body,))
        outcome = evaluator.parts(branch.condition)
        if outcome.value is None:
            unknown = unknown or outcome
            maybe.append(branch.body)
        elif outcome.value and unknown is None:
            facts.append(_fact(labelled, branch, "true", outcome))
            name = branch.label if name_branch else None
            return Decision(Verdict("run", "; ".join(facts), name), parsed, (branch.body,))
        elif outcome.value:
            return _unknown(unknown, parsed, (*maybe, branch.body))
        else:
            facts.append(_fact(labelled, branch, "false", outcome))
    if unknown is not None:
        return _unknown(unknown, parsed, (*maybe, ()))
    return Decision(Verdict("skip", "; ".join(facts)), parsed, ((),))


def _fact(labelled: bool, branch: Branch, value: str, outcome: Outcome) -> str:
    """`elif 1 true: MODE=gpu (from -e) = gpu`; no label when there is only one condition."""
    return f"{branch.label} {value}: {outcome.text}" if labelled else outcome.text


def _unknown(outcome: Outcome | None, parsed: Parsed, paths: tuple[Body, ...]) -> Decision:
    reason = _reason(outcome) if outcome is not None else "undecidable"
    return Decision(Verdict("unknown", reason), parsed, paths)


def _kind(outcome: Outcome) -> Literal["run", "skip", "unknown"]:
    return "unknown" if outcome.value is None else "run" if outcome.value else "skip"


def _reason(outcome: Outcome) -> str:
    """Unknown reasons read `condition needs command substitution $(curl …)`."""
    return f"condition {outcome.text}" if outcome.needs_run else outcome.text
