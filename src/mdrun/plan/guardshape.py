"""The forms of a guarded body: a lone `if … fi`, or `TEST && … && command`."""

from __future__ import annotations

from typing import Literal, NamedTuple

from mdrun.shell.parse import Node, Parsed

GuardKind = Literal["if", "and"]
_SEPARATORS = (";", "\n", "&")


class Branch(NamedTuple):
    """One way through a guarded body."""

    label: str
    """`if`, `elif 1`, `elif 2`, `else`; `then` for `TEST && command`; `body` when unguarded."""
    condition: tuple[Node, ...] | None
    """The condition's bashlex parts (commands and operators); None for `else` and `body`."""
    body: tuple[Node, ...]
    """What runs when this branch is taken."""


def shape(parsed: Parsed) -> tuple[GuardKind | None, tuple[Branch, ...]]:
    """The body guard's form and branches (one `body` branch when unguarded)."""
    nodes = parsed.nodes
    if len(nodes) == 1 and nodes[0].kind == "list":
        parts = strip_separators(nodes[0].parts)
        if len(parts) == 1:
            nodes = (parts[0],)
    if len(nodes) == 1 and nodes[0].kind == "if":
        return "if", if_branches(nodes[0])
    if len(nodes) == 1 and nodes[0].kind == "list":
        split = _and_guard(parsed, nodes[0].parts)
        if split is not None:
            return "and", (Branch("then", split[0], split[1]),)
    return None, (Branch("body", None, nodes),)


def strip_separators(parts: list[Node]) -> list[Node]:
    out = list(parts)
    while out and out[-1].kind == "operator" and out[-1].op in (";", "\n"):
        out.pop()
    return out


def if_branches(node: Node) -> tuple[Branch, ...]:
    branches: list[Branch] = []
    groups: list[tuple[str, list[Node]]] = []
    for part in node.parts:
        if part.kind == "reservedword" and part.word in ("if", "elif", "then", "else", "fi"):
            groups.append((part.word, []))
        elif groups:
            groups[-1][1].append(part)
    elifs = 0
    for k, (word, nodes) in enumerate(groups):
        if word in ("if", "elif"):
            label = "if" if word == "if" else f"elif {elifs + 1}"
            elifs += word == "elif"
            cond = tuple(p for n in nodes for p in (n.parts if n.kind == "list" else [n]))
            branches.append(Branch(label, cond, tuple(groups[k + 1][1])))
        elif word == "else":
            branches.append(Branch("else", None, tuple(nodes)))
    return tuple(branches)


def _and_guard(
    parsed: Parsed, parts: list[Node]
) -> tuple[tuple[Node, ...], tuple[Node, ...]] | None:
    """`[ … ] && [ … ] && cmd` → (the tests and their operators, (cmd,))."""
    parts = strip_separators(parts)
    ops = parts[1::2]
    if len(parts) < 3 or any(o.op in _SEPARATORS for o in ops) or ops[-1].op != "&&":
        return None
    if not all(_is_test(parsed, p) for p in parts[:-1:2]):
        return None
    return tuple(parts[:-2]), (parts[-1],)


def _is_test(parsed: Parsed, node: Node) -> bool:
    if node.kind == "pipeline" and len(node.parts) == 2 and node.parts[0].kind == "reservedword":
        return _is_test(parsed, node.parts[1])
    if node.kind != "command" or not node.parts or node.parts[0].kind != "word":
        return False
    first = node.parts[0]
    return first.pos[0] in parsed.conditionals or parsed.text(first) in ("[", "test")
