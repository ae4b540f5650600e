"""MD003 and MD004: polling loops that can go round without sleeping, and unreachable code.

The seed waits for its job with
`while true; do if [ "$(curl …)" = "200" ]; then break; sleep 1; fi; done`: the `sleep` sits
after `break`, so it never runs, and while the job is not ready the loop spins on curl.

Each loop body is walked as a set of paths, each path carrying one flag: has it slept yet?
A path that reaches the end of the body (or `continue`) without sleeping is a spin.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from mdrun.lint import Finding, body_line_origin
from mdrun.model import Block
from mdrun.shell.parse import Parsed, ShellSyntaxError, parse
from mdrun.shell.syntax import (
    Body,
    Case,
    Chain,
    Command,
    Group,
    If,
    Loop,
    Node,
    Operator,
    Pipeline,
    body_span,
    chains,
    children,
)

SPIN, UNREACHABLE = "MD003", "MD004"
# Commands that make a loop iteration wait (read blocks on its input, wait on children).
_WAITS = frozenset({"sleep", "wait", "read", "inotifywait", "usleep"})
_LEAVES = frozenset({"break", "exit", "return"})
_FOREVER = frozenset({"true", ":"})
_ANY_LOOP = ("while", "until", "for", "select")


Flags = frozenset[bool]
"""The `slept` flags of a set of paths."""


@dataclass
class Paths:
    """Where the paths through a piece of shell end up, by their `slept` flag."""

    falls: frozenset[bool]
    """Paths that go on to the next command."""
    loops: frozenset[bool] = frozenset()
    """Paths that `continue` back to the loop condition."""


@dataclass
class Walker:
    """Walks one body, collecting unreachable commands."""

    parsed: Parsed
    """The body."""
    unreachable: list[tuple[Node, str]] = field(default_factory=list)
    """Commands that no path reaches, with the command that cut them off."""

    def walk(self, node: Node, slept: frozenset[bool]) -> Paths:
        """The paths out of `node` for paths coming in with `slept`."""
        if not slept:
            return Paths(frozenset())
        if isinstance(node, Command):
            return _command(node, slept)
        if isinstance(node, Group):
            return self.sequence(node.body, slept)
        if isinstance(node, Pipeline):
            waits = any(_first_word(p) in _WAITS for p in node.commands)
            return Paths(frozenset({True}) if waits else slept)
        if isinstance(node, If):
            return self.branches(node, slept)
        if isinstance(node, Case):
            return self.arms(node, slept)
        if isinstance(node, Loop):
            # An inner loop may run zero times, but a sleep inside it counts: no false alarms.
            return Paths(frozenset({True}) if _contains_wait(node) else slept)
        return Paths(slept)

    def sequence(self, body: Body, slept: frozenset[bool]) -> Paths:
        """Commands joined by `;`, newlines, `&&`, `||` and `&`."""
        ok = fail = slept
        loops, previous = frozenset[bool](), None
        for chain in chains(body):
            if not (ok | fail) and previous is not None:
                self.unreachable.append((chain.first, self.parsed.text(previous).split()[0]))
                break
            chain_ok, chain_fail, chain_loops = self.chain(chain, ok | fail)
            loops |= chain_loops
            if chain.background:
                continue  # runs in the background: it neither sleeps for us nor leaves
            ok, fail = chain_ok, chain_fail
            previous = chain.rest[-1][1] if chain.rest else chain.first
        return Paths(ok | fail, loops)

    def chain(self, chain: Chain, slept: frozenset[bool]) -> tuple[Flags, Flags, Flags]:
        """`a && b || c`: the paths that succeed, those that fail, and those that `continue`.

        Paths are split by exit status: `a && break || sleep 1` sleeps on every path where
        `a` fails, since `||` runs exactly there."""
        out = self.walk(chain.first, slept)
        ok = fail = out.falls
        loops = out.loops
        for op, node in chain.rest:
            if op.op == "&&":
                out = self.walk(node, ok)
                ok, fail = out.falls, fail | out.falls
            else:
                out = self.walk(node, fail)
                ok, fail = ok | out.falls, out.falls
            loops |= out.loops
        return ok, fail, loops

    def branches(self, node: If, slept: frozenset[bool]) -> Paths:
        """`if … then … elif … else … fi`: the union of the branches' paths."""
        falls, loops = frozenset[bool](), frozenset[bool]()
        state = slept
        for branch in node.branches:
            cond = self.sequence(branch.condition, state)
            body = self.sequence(branch.body, cond.falls)
            falls, loops = falls | body.falls, loops | cond.loops | body.loops
            state = cond.falls
        if node.orelse is None:
            return Paths(falls | state, loops)
        body = self.sequence(node.orelse, state)
        return Paths(falls | body.falls, loops | body.loops)

    def arms(self, node: Case, slept: frozenset[bool]) -> Paths:
        """`case … esac`: the union of the arms' paths (and no arm, without a `*` one)."""
        falls, loops = frozenset[bool]() if node.has_default else slept, frozenset[bool]()
        for arm in node.arms:
            out = self.sequence(arm, slept)
            falls, loops = falls | out.falls, loops | out.loops
        return Paths(falls, loops)


def _first_word(command: Node) -> str | None:
    if isinstance(command, Command) and command.words:
        return command.words[0].text
    return None


def _command(node: Command, slept: frozenset[bool]) -> Paths:
    word = _first_word(node)
    if word in _WAITS:
        return Paths(frozenset({True}))
    if word in _LEAVES:
        return Paths(frozenset())
    if word == "continue":
        return Paths(frozenset(), slept)
    return Paths(slept)


def _contains_wait(node: Node) -> bool:
    if _first_word(node) in _WAITS:
        return True
    return any(_contains_wait(child) for child in children(node))


def _loops(node: Node, keywords: tuple[str, ...] = ("while", "until")) -> list[Loop]:
    found = [node] if isinstance(node, Loop) and node.keyword in keywords else []
    for child in children(node):
        found += _loops(child, keywords)
    return found


def _negated(cond_text: str) -> bool:
    """`while ! cmd`: it waits for `cmd` to succeed, as `until cmd` does."""
    return cond_text.startswith("!")


def _spins(walker: Walker, loop: Loop) -> bool:
    span = body_span(loop.condition)
    cond_text = walker.parsed.source[span[0] : span[1]] if span else ""
    cond_text = cond_text.strip().rstrip(";").strip()
    polling = (
        loop.keyword == "until"
        or cond_text in _FOREVER
        or _negated(cond_text)
        or _contains_wait(loop)
    )
    if not polling:
        return False  # a counted or data loop, not a wait
    after_cond = walker.sequence(loop.condition, frozenset({False}))
    out = walker.sequence(loop.body, after_cond.falls)
    return False in (out.falls | out.loops | after_cond.loops)


def _all_loops(body: Body, keywords: tuple[str, ...] = ("while", "until")) -> list[Loop]:
    return [
        inner for node in body if not isinstance(node, Operator) for inner in _loops(node, keywords)
    ]


def _find_unreachable(walker: Walker) -> None:
    """Walk the top level (code after `exit`) and every loop's body (code after `break` or
    `continue`), each from its start: the walker collects what no path reaches."""
    start = frozenset({False})
    walker.sequence(walker.parsed.nodes, start)
    for loop in _all_loops(walker.parsed.nodes, _ANY_LOOP):
        walker.sequence(loop.body, start)


def find_spinning_loops(block: Block) -> list[Finding]:
    """MD003 and MD004 findings for one block's body; a body that cannot be parsed gives
    none."""
    found = {
        Finding.at(body_line_origin(block, line), code, message)
        for line, code, message in body_findings(block.body)
    }
    return sorted(found)


@functools.lru_cache(maxsize=4096)
def body_findings(body: str) -> tuple[tuple[int, str, str], ...]:
    """The findings of one body, each as (0-based body line, code, message): a guidebook's
    block is the same body in every runbook that imports it (cached, as `shell.parse` is)."""
    try:
        parsed = parse(body)
    except ShellSyntaxError:
        return ()
    walker = Walker(parsed)
    findings = []
    for loop in _all_loops(parsed.nodes):
        if _spins(walker, loop):
            head = parsed.text(loop).split(";")[0].split("\n")[0]
            message = f"polling loop `{head}` has a path that never sleeps: it would spin"
            findings.append((parsed.line_index(loop.span[0]), SPIN, message))
    _find_unreachable(walker)
    for node, cut_by in walker.unreachable:
        message = f"`{parsed.text(node)}` is unreachable: it follows `{cut_by}`"
        findings.append((parsed.line_index(node.span[0]), UNREACHABLE, message))
    return tuple(findings)
