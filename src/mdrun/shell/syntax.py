"""The syntax tree mdrun reads shell as: small immutable records (NamedTuples, like the model's),
built by `shell.parse`.

A sequence of commands is a flat `Body`: commands and the operators between them, the way
`a && b; c &` is written (`a`, `&&`, `b`, `;`, `c`, `&`). Every record has a `span` into the
parsed text, so reasons can quote what a person wrote. Words stay source text: expanding them
is `shell.words`' job, not the parser's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, NamedTuple

Span = tuple[int, int]
"""Start and end offsets (characters) into the parsed source."""
LoopKeyword = Literal["for", "select", "while", "until"]
"""Which loop a `Loop` is."""


class Operator(NamedTuple):
    """What joins two commands of a body."""

    span: Span
    """Where it is written (for a newline: the newline itself, or an empty span)."""
    op: Literal[";", "\n", "&", "&&", "||"]
    """The operator; `\\n` is a newline between two commands."""


class Word(NamedTuple):
    """One word of a command, as written."""

    span: Span
    """Where it is written."""
    text: str
    """Its source text, quotes and expansions included."""


class Redirect(NamedTuple):
    """One redirection of a command."""

    span: Span
    """Where it is written (a here-document's body excluded)."""
    op: str
    """The operator: `>`, `>>`, `>&`, `&>`, `<`, `<<`, `<<<`, …"""
    target: str
    """Its file or delimiter as written; `&1` when it duplicates descriptor 1."""


class Command(NamedTuple):
    """A simple command: `X=1 cmd arg >out`. `[ … ]` is one too, named `[`."""

    span: Span
    """Where it is written, redirections included."""
    assignments: tuple[Word, ...]
    """The `NAME=value` words before the command name."""
    words: tuple[Word, ...]
    """The command name and its arguments (empty for a bare assignment)."""
    redirects: tuple[Redirect, ...] = ()
    """Its redirections."""


class Conditional(NamedTuple):
    """`[[ … ]]`; `shell.conditional` reads its source text."""

    span: Span
    """Where it is written, brackets included (redirections excluded)."""
    redirects: tuple[Redirect, ...] = ()
    """Its redirections."""


class Pipeline(NamedTuple):
    """`a | b`, or a negated command `! a`."""

    span: Span
    """Where it is written."""
    commands: tuple[Node, ...]
    """The commands, in order (one for `! a`)."""
    negated: bool
    """It starts with `!`."""


class IfBranch(NamedTuple):
    """The `if` or one `elif` of an `if` statement."""

    condition: Body
    """The condition's commands."""
    body: Body
    """What runs when the condition holds."""


class If(NamedTuple):
    """`if … then … elif … else … fi`."""

    span: Span
    """Where it is written."""
    branches: tuple[IfBranch, ...]
    """The `if` branch, then each `elif`."""
    orelse: Body | None
    """The `else` body, None without one."""


class Loop(NamedTuple):
    """`for`/`select`/`while`/`until` loops."""

    span: Span
    """Where it is written."""
    keyword: LoopKeyword
    """Which loop."""
    variable: Word | None
    """The loop variable of `for NAME in …`/`select`, None for others and for `for ((…))`."""
    condition: Body
    """The condition of `while`/`until`; `for ((…))` holds its head as an `Arithmetic`."""
    body: Body
    """The commands between `do` and `done`."""


class Group(NamedTuple):
    """`{ …; }` or a subshell `( … )`."""

    span: Span
    """Where it is written."""
    subshell: bool
    """`( … )`: runs in a child shell, so it changes no variable of this one."""
    body: Body
    """The commands inside."""


class Case(NamedTuple):
    """`case WORD in … esac`."""

    span: Span
    """Where it is written."""
    arms: tuple[Body, ...]
    """The body of each pattern arm, in order."""
    has_default: bool
    """Some arm's pattern is a bare `*`, so one arm always runs."""


class Arithmetic(NamedTuple):
    """`(( … ))`, or the head of `for (( … ))`."""

    span: Span
    """Where it is written."""


class Other(NamedTuple):
    """Anything else (a function definition, …): understood by nobody, run by bash."""

    span: Span
    """Where it is written."""
    kind: str
    """tree-sitter-bash's name for it (`function_definition`, …)."""


Node = Command | Conditional | Pipeline | If | Loop | Group | Case | Arithmetic | Other
"""One command of a body."""
Body = tuple[Node | Operator, ...]
"""Commands and the operators between them, as written."""


def bodies(node: Node) -> tuple[Body, ...]:
    """The bodies directly inside `node`: conditions, branches, arms, loop and group bodies."""
    if isinstance(node, If):
        inner = tuple(b for branch in node.branches for b in (branch.condition, branch.body))
        return inner if node.orelse is None else (*inner, node.orelse)
    if isinstance(node, Loop):
        return (node.condition, node.body)
    if isinstance(node, Group):
        return (node.body,)
    if isinstance(node, Case):
        return node.arms
    return ()


def children(node: Node) -> Iterator[Node]:
    """The commands directly inside `node` (a pipeline's, or those of its bodies), in order."""
    if isinstance(node, Pipeline):
        yield from node.commands
    for body in bodies(node):
        yield from (part for part in body if not isinstance(part, Operator))


def body_span(body: Body) -> Span | None:
    """From the first part's start to the last one's end; None when `body` is empty."""
    return (body[0].span[0], body[-1].span[1]) if body else None


class Chain(NamedTuple):
    """`a && b || c`: one and-or list of a body, with what ends it."""

    first: Node
    """Its first command."""
    rest: tuple[tuple[Operator, Node], ...]
    """Each `&&`/`||` and the command after it."""
    background: bool
    """It ends with `&`, so it runs as a background job."""
    separator: Operator | None
    """The `;`, newline or `&` after it (None at the end of the body)."""


def chains(body: Body) -> list[Chain]:
    """The and-or lists of `body`, in order."""
    out: list[Chain] = []
    first: Node | None = None
    rest: list[tuple[Operator, Node]] = []
    pending: Operator | None = None
    for part in (*body, None):
        if isinstance(part, Operator) and part.op in ("&&", "||"):
            pending = part
        elif isinstance(part, Operator) or part is None:
            if first is not None:
                out.append(Chain(first, tuple(rest), part is not None and part.op == "&", part))
            first, rest = None, []
        elif first is None:
            first = part
        elif pending is not None:
            rest.append((pending, part))
            pending = None
    return out
