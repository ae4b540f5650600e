"""The forms of a guarded body: a lone `if … fi`, or `TEST && … && command`."""

from __future__ import annotations

from typing import Literal, NamedTuple

from mdrun.shell.parse import Parsed
from mdrun.shell.syntax import Body, Command, Conditional, If, Node, Operator, Pipeline

GuardKind = Literal["if", "and"]
_SEPARATORS = (";", "\n", "&")


class Branch(NamedTuple):
    """One way through a guarded body."""

    label: str
    """`if`, `elif 1`, `elif 2`, `else`; `then` for `TEST && command`; `body` when unguarded."""
    condition: Body | None
    """The condition's commands and operators; None for `else` and `body`."""
    body: Body
    """What runs when this branch is taken."""


def shape(parsed: Parsed) -> tuple[GuardKind | None, tuple[Branch, ...]]:
    """The body guard's form and branches (one `body` branch when unguarded)."""
    parts = strip_separators(parsed.nodes)
    if len(parts) == 1 and isinstance(parts[0], If):
        return "if", if_branches(parts[0])
    split = _and_guard(parts)
    if split is not None:
        return "and", (Branch("then", split[0], split[1]),)
    return None, (Branch("body", None, parsed.nodes),)


def strip_separators(parts: Body) -> Body:
    """`parts` without the `;` and newlines that end it."""
    end = len(parts)
    while end and _ends_command(parts[end - 1]):
        end -= 1
    return parts[:end]


def _ends_command(part: Node | Operator) -> bool:
    return isinstance(part, Operator) and part.op in (";", "\n")


def if_branches(node: If) -> tuple[Branch, ...]:
    """`if`, `elif 1`, …, `else`: each with its condition and body."""
    branches = [
        Branch("if" if k == 0 else f"elif {k}", b.condition, b.body)
        for k, b in enumerate(node.branches)
    ]
    if node.orelse is not None:
        branches.append(Branch("else", None, node.orelse))
    return tuple(branches)


def _and_guard(parts: Body) -> tuple[Body, Body] | None:
    """`[ … ] && [ … ] && cmd` → (the tests and their operators, (cmd,))."""
    ops = [p for p in parts[1::2] if isinstance(p, Operator)]
    if len(parts) < 3 or len(ops) != len(parts) // 2:
        return None
    if any(o.op in _SEPARATORS for o in ops) or ops[-1].op != "&&":
        return None
    if not all(_is_test(p) for p in parts[:-1:2]):
        return None
    return parts[:-2], (parts[-1],)


def _is_test(node: Node | Operator) -> bool:
    if isinstance(node, Pipeline) and node.negated and len(node.commands) == 1:
        return _is_test(node.commands[0])
    if isinstance(node, Conditional):
        return True
    if not isinstance(node, Command) or node.assignments or not node.words:
        return False
    return node.words[0].text in ("[", "test")
