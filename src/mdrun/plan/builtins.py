"""The builtins that change variables, applied to a `FlowState` by `envflow.Flow`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mdrun.shell.words import NAME

if TYPE_CHECKING:
    from mdrun.plan.effects import Flow
    from mdrun.plan.flowstate import FlowState
    from mdrun.shell.parse import Node

_OPENING = frozenset({"source", ".", "eval"})
_TYPED = frozenset("aAilnuc")


def apply_command(flow: Flow, node: Node, state: FlowState) -> bool | None:
    """Apply one simple command; its exit status when known (assignments and exports: 0)."""
    text = flow.parsed.text
    words = [text(p) for p in node.parts if p.kind == "word"]
    assignments = [text(p) for p in node.parts if p.kind == "assignment"]
    if not words:
        for raw in assignments:
            flow.assign(raw, state, node)
        return True
    name, args = words[0], words[1:]
    if name in ("true", ":"):
        return True
    if name == "false":
        return False
    if name in _OPENING:
        flow.open(state, node)
    elif name == "export":
        _export(flow, args, state, node)
        return True
    elif name in ("declare", "typeset", "readonly"):
        _declare(flow, args, state, node, readonly=name == "readonly")
        return True
    elif name == "unset":
        if not any(a.startswith("-") and "f" in a for a in args):
            for arg in args:
                if NAME.fullmatch(arg):
                    flow.unset(arg, state, node)
        return True
    elif name == "read":
        _read(flow, args, state, node)
    elif name == "set":
        _set_options(args, state)
    elif name in ("cd", "pushd", "popd") and "PWD" in state.env:
        flow.set_unknown("PWD", state, node)
    elif name == "exit":
        state.stopped = True
    return None


def _export(flow: Flow, args: list[str], state: FlowState, node: Node) -> None:
    unexport = False
    for arg in args:
        if arg.startswith("-"):
            unexport = unexport or "n" in arg
            if "f" in arg:
                return
        elif NAME.fullmatch(arg):
            if unexport and arg in state.env:
                state.shell[arg] = state.env.pop(arg)
            elif not unexport:
                flow.export_name(arg, state, node)
        else:
            flow.assign(arg, state, node, export=not unexport)


def _declare(flow: Flow, args: list[str], state: FlowState, node: Node, *, readonly: bool) -> None:
    options = "".join(a[1:] for a in args if a.startswith("-"))
    if "f" in options or "F" in options or "p" in options:
        return
    export = "x" in options and not readonly
    typed = any(c in _TYPED for c in options)
    for arg in args:
        if arg.startswith(("-", "+")):
            continue
        if NAME.fullmatch(arg):
            if export:
                flow.export_name(arg, state, node)
        elif typed:
            flow.set_value(arg.split("=", 1)[0], None, state, node, export=export)
        else:
            flow.assign(arg, state, node, export=export)


def _read(flow: Flow, args: list[str], state: FlowState, node: Node) -> None:
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
        elif arg.startswith("-"):
            skip_next = arg[-1] in "adinNptu" and len(arg) == 2
            if "a" in arg:
                return
        elif NAME.fullmatch(arg):
            flow.set_unknown(arg, state, node)


def _set_options(args: list[str], state: FlowState) -> None:
    for k, arg in enumerate(args):
        if arg.startswith(("-", "+")) and "a" in arg[1:] and not arg.startswith("--"):
            state.allexport = arg.startswith("-")
        if arg in ("-o", "+o") and args[k + 1 : k + 2] == ["allexport"]:
            state.allexport = arg == "-o"
