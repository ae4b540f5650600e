"""The builtins that change variables (`export`, `declare`, `unset`, `read`, `set -a`, `let`,
`source`...), applied to a `FlowState`."""

from __future__ import annotations

import re

from mdrun.plan.flowstate import FlowState
from mdrun.shell.scan import NAME, NAME_PATTERN, clip
from mdrun.shell.syntax import Command

_OPENING = frozenset({"source", ".", "eval"})
_TYPED = frozenset("aAilnuc")
_ARITH_ASSIGNED = re.compile(
    rf"({NAME_PATTERN})\s*(?:\*\*|<<|>>|[-+*/%&|^])?=(?!=)|(?:\+\+|--)\s*({NAME_PATTERN})"
    rf"|({NAME_PATTERN})\s*(?:\+\+|--)"
)


def apply_command(node: Command, text: str, state: FlowState, label: str) -> bool | None:
    """Apply one simple command (`text` is its source) written at `label`; its exit status
    when known (assignments and exports: 0)."""
    words = [w.text for w in node.words]
    if not words:
        for word in node.assignments:
            state.assign(word.text, label)
        return True
    name, args = words[0], words[1:]
    if name in ("true", ":"):
        return True
    if name == "false":
        return False
    if name in _OPENING:
        state.open(f"`{clip(text)}` in {label}")
    elif name in _DECLARING:
        _DECLARING[name](args, state, label)
        return True
    elif name == "read":
        _read(args, state, label)
    elif name == "let":
        arithmetic_assignments(" ".join(args), state, label)
    elif name == "set":
        _set_options(args, state)
    elif name in ("cd", "pushd", "popd") and "PWD" in state.env:
        state.set_value("PWD", None, label)
    elif name == "exit":
        state.stopped = True
    return None


def arithmetic_assignments(text: str, state: FlowState, label: str) -> None:
    """`(( i++ ))`, `let x=y+1`: every name assigned is set, value unknown."""
    for match in _ARITH_ASSIGNED.finditer(text):
        state.set_value(next(g for g in match.groups() if g), None, label)


def _export(args: list[str], state: FlowState, label: str) -> None:
    unexport = False
    for arg in args:
        if arg.startswith("-"):
            unexport = unexport or "n" in arg
            if "f" in arg:
                return
        elif NAME.fullmatch(arg):
            if unexport:
                state.unexport(arg)
            else:
                state.export_name(arg, label)
        else:
            state.assign(arg, label, export=not unexport)


def _declare(args: list[str], state: FlowState, label: str, *, readonly: bool = False) -> None:
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
                state.export_name(arg, label)
        elif typed:
            state.set_value(arg.split("=", 1)[0], None, label, export=export)
        else:
            state.assign(arg, label, export=export)


def _unset(args: list[str], state: FlowState, label: str) -> None:
    if not any(a.startswith("-") and "f" in a for a in args):
        for arg in args:
            if NAME.fullmatch(arg):
                state.unset(arg, label)


def _readonly(args: list[str], state: FlowState, label: str) -> None:
    _declare(args, state, label, readonly=True)


_DECLARING = {
    "export": _export,
    "declare": _declare,
    "typeset": _declare,
    "readonly": _readonly,
    "unset": _unset,
}


def _read(args: list[str], state: FlowState, label: str) -> None:
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
        elif arg.startswith("-"):
            skip_next = arg[-1] in "adinNptu" and len(arg) == 2
            if "a" in arg:
                return
        elif NAME.fullmatch(arg):
            state.set_value(arg, None, label)


def _set_options(args: list[str], state: FlowState) -> None:
    for k, arg in enumerate(args):
        if arg.startswith(("-", "+")) and "a" in arg[1:] and not arg.startswith("--"):
            state.allexport = arg.startswith("-")
        if arg in ("-o", "+o") and args[k + 1 : k + 2] == ["allexport"]:
            state.allexport = arg == "-o"
