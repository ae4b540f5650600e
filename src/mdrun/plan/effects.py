"""How one block's statements change the planned environment, without running them.

Understood: `export X=…`, `X=…; export X`, `export X` before `X=…`, `unset X`, `declare -x`,
`typeset -x`, `readonly`, `read X`, `set -a`, `cd` (PWD), `exit`, and those statements inside
`&&`/`||` lists, `{ }` groups, `if`s (the taken branch, or every branch as a maybe) and loops
(maybes). `source`, `.` and `eval` may set anything: after them an unset name is unknown.
Subshells, pipelines and background jobs change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mdrun.model import Block, EnvValue
from mdrun.plan.flowstate import FlowState, merge
from mdrun.plan.guards import decide_branches
from mdrun.plan.guardshape import if_branches
from mdrun.shell.conditions import Evaluator, clip
from mdrun.shell.parse import Node, Parsed
from mdrun.shell.scope import NeedsExecution
from mdrun.shell.words import NAME, expand

_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?)=(.*)\Z", re.DOTALL)
_ASSIGNING_EXPANSION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?=")


class Flow:
    """Applies the statements of one block's body to a `FlowState`."""

    def __init__(self, block: Block, parsed: Parsed) -> None:
        self.block, self.parsed = block, parsed

    def label(self, node: Node) -> str:
        """`block "init" at snippets/logs/init.md:40`: where `node` is written."""
        index = self.parsed.line_index(node.pos[0])
        origins = self.block.line_origins
        origin = origins[index] if index < len(origins) else self.block.origin
        where = str(origin[-1]) if origin else "?"
        return f'block "{self.block.name}" at {where}'

    def paths(self, paths: Sequence[Sequence[Node]], state: FlowState) -> FlowState:
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

    def run(self, nodes: Sequence[Node], state: FlowState) -> None:
        """Apply `nodes` in order, in place."""
        for node in nodes:
            if state.stopped:
                return
            self.node(node, state)

    def node(self, node: Node, state: FlowState) -> bool | None:
        """Apply one node in place; its exit status when known."""
        kind = node.kind
        if kind == "list":
            return self._list(node.parts, state)
        if kind == "command":
            return self._command(node, state)
        if kind == "pipeline":
            commands = [p for p in node.parts if p.kind not in ("reservedword", "pipe")]
            if len(commands) == 1:
                status = self.node(commands[0], state)
                negate = node.parts[0].kind == "reservedword"
                return None if status is None else status != negate
            return None  # every part of a pipeline runs in a subshell
        if kind == "compound" and node.list and getattr(node.list[0], "word", "") == "{":
            self.run([p for p in node.list[1:-1] if p.kind != "reservedword"], state)
            return None
        if kind == "if":
            decision = decide_branches(self.parsed, if_branches(node), state.scope())
            self._replace(state, self.paths(decision.paths, state))
            return None
        if kind in ("for", "while", "until"):
            self._loop(node, state)
        return None

    def _list(self, parts: Sequence[Node], state: FlowState) -> bool | None:
        status: bool | None = True
        chain: list[Node] = []
        for part in [*parts, None]:
            if part is None or (part.kind == "operator" and part.op in (";", "\n", "&")):
                if chain and not (part is not None and part.op == "&"):
                    status = self._chain(chain, state)
                chain = []
            else:
                chain.append(part)
        return status

    def _chain(self, items: Sequence[Node], state: FlowState) -> bool | None:
        status = self._step(items[0], state)
        for k in range(1, len(items) - 1, 2):
            wanted, node = items[k].op == "&&", items[k + 1]
            if status is None:
                fork = state.copy()
                self._step(node, fork)
                self._replace(state, merge(state, [fork, state.copy()]))
            elif status == wanted:
                status = self._step(node, state)
        return status

    def _step(self, node: Node, state: FlowState) -> bool | None:
        """Run one link of an `&&`/`||` chain: tests are evaluated, the rest applied."""
        outcome = Evaluator(self.parsed, state.scope()).node(node)
        if outcome.value is not None:
            return outcome.value
        return self.node(node, state)

    def _loop(self, node: Node, state: FlowState) -> None:
        parts = node.parts
        if node.kind == "for" and len(parts) > 1 and parts[1].kind == "word":
            self.set_value(self.parsed.text(parts[1]), None, state, node)
        body = [p for p in parts if p.kind not in ("reservedword", "word", "operator")]
        self._replace(state, self.paths([(), body[-1:]], state))

    @staticmethod
    def _replace(state: FlowState, new: FlowState) -> None:
        for name in FlowState.__slots__:
            setattr(state, name, getattr(new, name))

    def _command(self, node: Node, state: FlowState) -> bool | None:
        from mdrun.plan.builtins import apply_command

        for match in _ASSIGNING_EXPANSION.finditer(self.parsed.text(node)):
            if state.scope().values.get(match.group(1)) is None:
                self.set_value(match.group(1), None, state, node)
        return apply_command(self, node, state)

    def value(self, raw: str, state: FlowState) -> str | None:
        """The statically expanded value of an assignment's right-hand side, if known."""
        try:
            return expand(raw, state.scope(), split=False).fields[0]
        except NeedsExecution:
            return None

    def assign(self, raw: str, state: FlowState, node: Node, *, export: bool = False) -> None:
        """`NAME=value` or `NAME+=value` (the source text)."""
        match = _ASSIGN.match(raw)
        if match is None:
            return
        name, append, rhs = match.groups()
        value = self.value(rhs, state)
        if append:
            old = state.shell.get(name) or state.env.get(name)
            if old is not None:
                value = None if old.value is None or value is None else old.value + value
        self.set_value(name, value, state, node, export=export)

    def set_value(
        self, name: str, value: str | None, state: FlowState, node: Node, *, export: bool = False
    ) -> None:
        """Set `name` (None: set, value unknown), exported when it must be."""
        if not NAME.fullmatch(name):
            return
        label = self.label(node)
        state.unset_by.pop(name, None)
        if export or state.allexport or name in state.env or name in state.marks:
            state.env[name] = EnvValue(value, label)
            state.shell.pop(name, None)
            state.marks.discard(name)
        else:
            state.shell[name] = EnvValue(value, f"set by {label}")

    def set_unknown(self, name: str, state: FlowState, node: Node) -> None:
        """`read NAME`: set, value unknown."""
        self.set_value(name, None, state, node)

    def export_name(self, name: str, state: FlowState, node: Node) -> None:
        """`export NAME` with no value."""
        if name in state.shell:
            item = state.shell.pop(name)
            state.env[name] = item._replace(source=self.label(node))
        elif name not in state.env:
            state.marks.add(name)

    def unset(self, name: str, state: FlowState, node: Node) -> None:
        """`unset NAME`."""
        state.env.pop(name, None)
        state.shell.pop(name, None)
        state.marks.discard(name)
        state.unset_by[name] = f"unset by {self.label(node)}"

    def open(self, state: FlowState, node: Node) -> None:
        """After `source f`/`eval …`, any variable may be set."""
        state.opened_by = (
            state.opened_by or f"`{clip(self.parsed.text(node))}` in {self.label(node)}"
        )
