"""Runbook + environment → Plan: every block's verdict and starting environment.

Pure and deterministic: nothing from the runbook runs. The environment flows through the sync
blocks in order (a block that would be skipped changes nothing; an `unknown` one changes it
only maybe). Async blocks start with the environment at their position and change nothing
after them, since they run in their own process. `finally=true` blocks run at the end, so
they are planned against the environment the sync blocks leave.

A block inside tabs (`Block.choices`) is skipped when the answers chose another tab, and is
`unknown` (`depends on "Install jq"`) while a question on its way has no answer; then it may or
may not run, and what it sets is only maybe set after it.
"""

from __future__ import annotations

from collections.abc import Mapping

from mdrun.blocks.frontmatter import runs_as_shell
from mdrun.choices.branches import Branch, branch
from mdrun.model import (
    Answer,
    Block,
    ChoiceGroup,
    Environment,
    EnvValue,
    Plan,
    PlannedBlock,
    Runbook,
    Source,
    Verdict,
)
from mdrun.plan.effects import Flow
from mdrun.plan.flowstate import FlowState, merge
from mdrun.plan.guards import Decision, decide
from mdrun.plan.madwizard import with_frontmatter, with_guidebook_checks
from mdrun.plan.when import check_when
from mdrun.shell.scan import changed_names, may_change_env
from mdrun.shell.scope import Scope


def plan(runbook: Runbook, env: Environment, answers: Mapping[str, Answer] | None = None) -> Plan:
    """Plan `runbook` against the initial environment `env` (see `plan.environment`) and the
    `answers` known to its questions (by question id)."""
    answers = dict(answers or {})
    groups = {q.group.id: q.group for q in runbook.questions}
    state = FlowState(dict(env))
    planned: dict[int, PlannedBlock] = {}
    cleanups: list[tuple[Block, int]] = []
    states = [state]  # the state after each sync block: where a run may stop
    opened = unfetched_before(runbook)
    for block in runbook.blocks:
        if block.index in opened:
            state.open(opened[block.index])
        check_when(block, state.env)
        if block.options.cleanup:
            cleanups.append((block, len(states) - 1))
            continue
        planned[block.index], after = _plan_chosen(block, state, groups, answers)
        if block.mode == "sync":
            state = after
            states.append(state)
    for block, registered in cleanups:
        planned[block.index], after = _plan_cleanup(block, state, states[registered:-1])
        if block.mode == "sync":
            state = after
    ordered = with_guidebook_checks([planned[b.index] for b in runbook.blocks])
    return Plan(runbook, ordered, dict(env), answers)


def unfetched_before(runbook: Runbook) -> dict[int, str]:
    """For the first block after each URL import that was not fetched, why any variable may
    have changed before it: the import's blocks are unknown, and may export anything."""
    document = runbook.document
    if not document.unfetched:
        return {}
    line_of = {origin: i for i, origin in enumerate(document.origins)}
    opened: dict[int, str] = {}
    for unfetched in document.unfetched:
        after = (b for b in runbook.blocks if line_of.get(b.origin, -1) >= unfetched.line)
        first = next(after, None)
        if first is not None and first.index not in opened:
            where = unfetched.origin[-1] if unfetched.origin else "?"
            opened[first.index] = f"the import of {unfetched.url} at {where}, not fetched"
    return opened


def _plan_chosen(
    block: Block, state: FlowState, groups: Mapping[str, ChoiceGroup], answers: Mapping[str, Answer]
) -> tuple[PlannedBlock, FlowState]:
    """`_plan_block`, for a block that the answers may leave out."""
    standing = branch(block.choices, groups, answers) if block.choices else Branch("chosen", "")
    if standing.kind == "not chosen":
        return PlannedBlock(block, Verdict("skip", standing.reason), state.env, False), state
    planned, after = _plan_block(block, state)
    if standing.kind == "chosen":
        return planned, after
    verdict = planned.verdict
    if verdict.kind != "skip":
        verdict = Verdict("unknown", f"{standing.reason}; then {verdict.reason}", verdict.branch)
    maybe = merge(state, [state.copy(), after]).next_block() if verdict.kind != "skip" else after
    return planned._replace(verdict=verdict), maybe


def _plan_cleanup(
    block: Block, state: FlowState, earlier: list[FlowState]
) -> tuple[PlannedBlock, FlowState]:
    """A `finally=true` block runs after the run ends, which may be at any sync block after
    the one that registered it: its verdict holds only if it is the same for all of them."""
    planned, after = _plan_block(block, state)
    kind = planned.verdict.kind
    if kind != "unknown" and any(decide(block, s.scope()).verdict.kind != kind for s in earlier):
        reason = (
            f"{kind} if the run completes, but not if it stops earlier ({planned.verdict.reason})"
        )
        planned = PlannedBlock(block, Verdict("unknown", reason), state.env)
    return planned, after


def _plan_block(block: Block, state: FlowState) -> tuple[PlannedBlock, FlowState]:
    # A python or `exec:` body is not bash: only its `when=` is planned.
    shown = block._replace(body="") if not runs_as_shell(block) else block
    decision = decide(shown, state.scope())
    planned = PlannedBlock(block, with_frontmatter(block, decision.verdict), state.env)
    return planned, _after(shown, decision, state)


def _after(block: Block, decision: Decision, state: FlowState) -> FlowState:
    if decision.verdict.kind == "skip":
        return state
    work = state.copy()
    if decision.parsed is None:
        if may_change_env(block.body):
            _maybe_changed(block, work)
        return work.next_block()
    return Flow(block, decision.parsed).paths(decision.paths, work).next_block()


def _maybe_changed(block: Block, state: FlowState) -> None:
    """A body that cannot be parsed: what it may set becomes maybe set, value unknown."""
    why = f'block "{block.name}", which could not be parsed'
    names = changed_names(block.body)
    if names is None:
        state.opened_by = why
        return
    for name in names:
        old = state.env.get(name)
        state.env[name] = EnvValue(old.value if old else None, Source("maybe", why), False)
        state.unset_by.pop(name, None)


def environment_after(
    block: Block, env: Environment, verdict: Verdict | None = None
) -> Environment:
    """The exported environment `block` leaves when it starts with `env` (unchanged when its
    verdict, given or computed, is `skip`)."""
    state = FlowState(dict(env))
    decision = decide(block, Scope(env))
    if verdict is not None and verdict.kind == "skip":
        return env
    return _after(block, decision, state).env
