"""How one block's statements change the planned environment, without running them.

Understood: `export X=…`, `X=…; export X`, `export X` before `X=…`, `unset X`, `declare -x`,
`typeset -x`, `readonly`, `read X`, `let`, `(( … ))`, `set -a`, `cd` (PWD), `exit`, and those
statements inside `&&`/`||` lists, `{ }` groups, `if`s (the taken branch, or every branch as a
maybe), `case` arms and loops (maybes). `source`, `.` and `eval` may set anything: after them
an unset name is unknown. Subshells, pipelines and background jobs change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mdrun.model import Block
from mdrun.plan.builtins import apply_command, arithmetic_assignments
from mdrun.plan.flowstate import FlowState, merge
from mdrun.plan.guards import decide_branches
from mdrun.plan.guardshape import if_branches
from mdrun.shell.conditions import Evaluator
from mdrun.shell.parse import Parsed
from mdrun.shell.scan import NAME_PATTERN
from mdrun.shell.syntax import (
    Arithmetic,
    Body,
    Case,
    Chain,
    Command,
    Group,
    If,
    Loop,
    Node,
    Pipeline,
    chains,
)

_ASSIGNING_EXPANSION = re.compile(rf"\$\{{({NAME_PATTERN}):?=")


class Flow:
    """Applies the statements of one block's body to a `FlowState`."""

    def __init__(self, block: Block, parsed: Parsed) -> None:
        self.block, self.parsed = block, parsed

    def label(self, node: Node) -> str:
        """`block "init" at snippets/logs/init.md:40`: where `node` is written."""
        index = self.parsed.line_index(node.span[0])
        origins = self.block.line_origins
        origin = origins[index] if index < len(origins) else self.block.origin
        where = str(origin[-1]) if origin else "?"
        return f'block "{self.block.name}" at {where}'

    def paths(self, paths: Sequence[Body], state: FlowState) -> FlowState:
        """Run one of `paths` (one path: certainly that one)."""
        if len(paths) == 1:
            self.run(paths[0], state)
            return state
        forks = []
        for path in paths:
            fork = state.copy()
            self.run(path, fork)
            forks.append(fork)
        return merge(state, forks)

    def run(self, body: Body, state: FlowState) -> bool | None:
        """Apply `body` in place, up to an `exit`; the status of its last list when known
        (background jobs change nothing here)."""
        status: bool | None = True
        for chain in chains(body):
            if state.stopped:
                break
            if not chain.background:
                status = self._chain(chain, state)
        return status

    def node(self, node: Node, state: FlowState) -> bool | None:
        """Apply one command in place; its exit status when known."""
        if isinstance(node, Command):
            return self._command(node, state)
        if isinstance(node, Pipeline):
            if len(node.commands) != 1:
                return None  # every part of a pipeline runs in a subshell
            status = self.node(node.commands[0], state)
            return None if status is None else status != node.negated
        if isinstance(node, Group) and not node.subshell:
            self.run(node.body, state)
        elif isinstance(node, If):
            decision = decide_branches(self.parsed, if_branches(node), state.scope())
            state.become(self.paths(decision.paths, state))
        elif isinstance(node, Case):
            state.become(self.paths(node.arms if node.has_default else ((), *node.arms), state))
        elif isinstance(node, Loop):
            self._loop(node, state)
        elif isinstance(node, Arithmetic):
            arithmetic_assignments(self.parsed.text(node), state, self.label(node))
        return None

    def _chain(self, chain: Chain, state: FlowState) -> bool | None:
        status = self._step(chain.first, state)
        for op, node in chain.rest:
            if status is None:
                fork = state.copy()
                self._step(node, fork)
                state.become(merge(state, [fork, state.copy()]))
            elif status == (op.op == "&&"):
                status = self._step(node, state)
        return status

    def _step(self, node: Node, state: FlowState) -> bool | None:
        """Run one link of an `&&`/`||` chain: tests are evaluated, the rest applied."""
        outcome = Evaluator(self.parsed, state.scope()).node(node)
        if outcome.value is not None:
            return outcome.value
        return self.node(node, state)

    def _loop(self, node: Loop, state: FlowState) -> None:
        if node.variable is not None:
            state.set_value(node.variable.text, None, self.label(node))
        for head in node.condition:
            if isinstance(head, Arithmetic):
                arithmetic_assignments(self.parsed.text(head), state, self.label(node))
        state.become(self.paths([(), node.body], state))

    def _command(self, node: Command, state: FlowState) -> bool | None:
        text, label = self.parsed.text(node), self.label(node)
        for match in _ASSIGNING_EXPANSION.finditer(text):
            if state.scope().values.get(match.group(1)) is None:
                state.set_value(match.group(1), None, label)
        return apply_command(node, text, state, label)
