"""MD003 and MD004: polling loops that can go round without sleeping, and unreachable code.

The seed waits for its job with
`while true; do if [ "$(curl …)" = "200" ]; then break; sleep 1; fi; done`: the `sleep` sits
after `break`, so it never runs, and while the job is not ready the loop spins on curl.

Each loop body is walked as a set of paths, each path carrying one flag: has it slept yet?
A path that reaches the end of the body (or `continue`) without sleeping is a spin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mdrun.lint import Finding, body_line_origin
from mdrun.model import Block
from mdrun.shell.parse import Node, Parsed, ShellSyntaxError, parse

SPIN, UNREACHABLE = "MD003", "MD004"
# Commands that make a loop iteration wait (read blocks on its input, wait on children).
_WAITS = frozenset({"sleep", "wait", "read", "inotifywait", "usleep"})
_LEAVES = frozenset({"break", "exit", "return"})
_FOREVER = frozenset({"true", ":"})


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
        kind = node.kind
        if not slept:
            return Paths(frozenset())
        if kind == "command":
            return _command(node, slept)
        if kind == "list":
            return self.sequence(node.parts, slept)
        if kind == "compound":
            return self.sequence([p for p in node.list if p.kind != "reservedword"], slept)
        if kind == "pipeline":
            waits = any(p.kind == "command" and _first_word(p) in _WAITS for p in node.parts)
            return Paths(frozenset({True}) if waits else slept)
        if kind == "if":
            return self.branches(node, slept)
        if kind in ("while", "until", "for"):
            # An inner loop may run zero times, but a sleep inside it counts: no false alarms.
            return Paths(frozenset({True}) if _contains_wait(node) else slept)
        return Paths(slept)

    def sequence(self, parts: list[Node], slept: frozenset[bool]) -> Paths:
        """Commands joined by `;`, newlines, `&&`, `||` and `&`.

        Within an and-or chain, paths are split by exit status: `a && break || sleep 1` sleeps
        on every path where `a` fails, since `||` runs exactly there."""
        ok = fail = slept
        loops, previous = frozenset[bool](), None
        for i, part in enumerate(parts):
            if part.kind == "operator":
                continue
            before = parts[i - 1].op if i and parts[i - 1].kind == "operator" else ";"
            after = (
                parts[i + 1].op if i + 1 < len(parts) and parts[i + 1].kind == "operator" else ";"
            )
            chained = before in ("&&", "||")
            if not (ok | fail) and previous is not None and not chained:
                self.unreachable.append((part, self.parsed.text(previous).split()[0]))
                break
            incoming = ok if before == "&&" else fail if before == "||" else ok | fail
            out = self.walk(part, incoming)
            loops |= out.loops
            if after == "&":
                continue  # runs in the background: it neither sleeps for us nor leaves
            if before == "&&":
                ok, fail = out.falls, fail | out.falls
            elif before == "||":
                ok, fail = ok | out.falls, out.falls
            else:
                ok = fail = out.falls
            previous = part
        return Paths(ok | fail, loops)

    def branches(self, node: Node, slept: frozenset[bool]) -> Paths:
        """`if … then … elif … else … fi`: the union of the branches' paths."""
        parts = node.parts
        falls, loops = frozenset[bool](), frozenset[bool]()
        state, i, has_else = slept, 0, False
        while i < len(parts):
            word = parts[i].word if parts[i].kind == "reservedword" else None
            if word in ("if", "elif"):
                cond = self.walk(parts[i + 1], state)
                body = self.walk(parts[i + 3], cond.falls)
                falls, loops = falls | body.falls, loops | cond.loops | body.loops
                state, i = cond.falls, i + 4
            elif word == "else":
                body = self.walk(parts[i + 1], state)
                falls, loops, has_else = falls | body.falls, loops | body.loops, True
                i += 2
            else:
                i += 1
        return Paths(falls if has_else else falls | state, loops)


def _first_word(command: Node) -> str | None:
    for part in command.parts:
        if part.kind == "word":
            return str(part.word)
        if part.kind != "assignment":
            return None
    return None


def _command(node: Node, slept: frozenset[bool]) -> Paths:
    word = _first_word(node)
    if word in _WAITS:
        return Paths(frozenset({True}))
    if word in _LEAVES:
        return Paths(frozenset())
    if word == "continue":
        return Paths(frozenset(), slept)
    return Paths(slept)


def _children(node: Node) -> list[Node]:
    if node.kind == "compound":
        return list(node.list)
    return list(getattr(node, "parts", []) or [])


def _contains_wait(node: Node) -> bool:
    if node.kind == "command" and _first_word(node) in _WAITS:
        return True
    return any(_contains_wait(child) for child in _children(node))


def _loops(node: Node) -> list[Node]:
    found = [node] if node.kind in ("while", "until") else []
    for child in _children(node):
        found += _loops(child)
    return found


def _spins(walker: Walker, loop: Node) -> bool:
    cond, body = [p for p in loop.parts if p.kind != "reservedword"][:2]
    cond_text = walker.parsed.text(cond).strip().rstrip(";").strip()
    polling = loop.kind == "until" or cond_text in _FOREVER or _contains_wait(loop)
    if not polling:
        return False  # a counted or data loop, not a wait
    after_cond = walker.walk(cond, frozenset({False}))
    out = walker.walk(body, after_cond.falls)
    return False in (out.falls | out.loops | after_cond.loops)


def find_spinning_loops(block: Block) -> list[Finding]:
    """Findings for one block's body; a body bashlex cannot parse gives none."""
    try:
        parsed = parse(block.body)
    except ShellSyntaxError:
        return []
    walker = Walker(parsed)
    findings = []
    for loop in [inner for node in parsed.nodes for inner in _loops(node)]:
        line = parsed.line_index(loop.pos[0])
        if _spins(walker, loop):
            head = parsed.text(loop).split(";")[0].split("\n")[0]
            message = f"polling loop `{head}` has a path that never sleeps: it would spin"
            findings.append(Finding.at(body_line_origin(block, line), SPIN, message))
    for node, cut_by in walker.unreachable:
        line = parsed.line_index(node.pos[0])
        message = f"`{parsed.text(node)}` is unreachable: it follows `{cut_by}`"
        findings.append(Finding.at(body_line_origin(block, line), UNREACHABLE, message))
    return sorted(set(findings))
