"""The exit status of a shell condition (`if COND; then`), decided without running it.

Only tests (`[`, `test`, `[[`), `true`, `false`, `:`, `!`, `&&`, `||`, `;` and `{ }`/`( )`
groups are understood. Any other command would have to run: its status is unknown, and since
it may change variables (`read`, `source`...), every test after it is unknown too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from mdrun.shell.conditional import conditional
from mdrun.shell.parse import Parsed
from mdrun.shell.scan import clip
from mdrun.shell.scope import Outcome, Scope, lazy
from mdrun.shell.syntax import (
    Body,
    Chain,
    Command,
    Conditional,
    Group,
    Node,
    Operator,
    Pipeline,
    Redirect,
    chains,
)
from mdrun.shell.testexpr import test_command

_HARMLESS_TARGETS = frozenset({"/dev/null", "&1", "&2"})


class Evaluator:
    """Evaluates the conditions of one piece of shell, in order, against one scope."""

    def __init__(self, parsed: Parsed, scope: Scope) -> None:
        self.parsed, self.scope = parsed, scope
        self.tainted_by: str | None = None
        """Source of an opaque command that may have run before the current test."""

    def parts(self, body: Body) -> Outcome:
        """A body (commands and operators); its last status."""
        found = chains(body)
        background = next((c.separator for c in found if c.background), None)
        if background is not None:
            return self._opaque(background, "a background job")
        outcome = Outcome(True, "empty condition")
        for chain in found:
            outcome = self.chain(chain)
        return outcome

    def chain(self, chain: Chain) -> Outcome:
        """`a && b || c`: left to right, each operator short-circuiting."""
        outcome = self.node(chain.first)
        for op, node in chain.rest:
            outcome = lazy(op.op == "&&", outcome, partial(self.node, node))
        return outcome

    def node(self, node: Node) -> Outcome:
        """One command, pipeline or group."""
        if isinstance(node, Pipeline):
            return self._pipeline(node)
        if isinstance(node, Command):
            return self._command(node)
        if isinstance(node, Conditional):
            return self._conditional(node)
        if isinstance(node, Group):
            return self.parts(node.body)
        return self._opaque(node)

    def _pipeline(self, node: Pipeline) -> Outcome:
        if len(node.commands) != 1:
            return self._opaque(node, "a pipeline to run")
        out = self.node(node.commands[0])
        if node.negated and out.value is not None:
            return Outcome(not out.value, out.text)
        return out

    def _command(self, node: Command) -> Outcome:
        if not node.words or node.assignments or not all(map(_harmless, node.redirects)):
            return self._opaque(node)
        name = node.words[0].text
        args = [w.text for w in node.words[1:]]
        if name in ("[", "test"):
            return self._test(lambda: test_command(args, self.scope, bracket=name == "["))
        if name in ("true", ":", "false") and not args:
            return Outcome(name != "false", name)
        return self._opaque(node)

    def _conditional(self, node: Conditional) -> Outcome:
        if not all(map(_harmless, node.redirects)):
            return self._opaque(node)
        return self._test(lambda: conditional(self.parsed.text(node), self.scope))

    def _test(self, run: Callable[[], Outcome]) -> Outcome:
        if self.tainted_by is not None:
            return Outcome(None, f"runs after `{self.tainted_by}`, which may change what it tests")
        return run()

    def _opaque(self, node: Node | Operator, reason: str | None = None) -> Outcome:
        text = clip(self.parsed.text(node))
        self.tainted_by = self.tainted_by or text
        return Outcome(None, f"needs {reason or f'to run `{text}`'}", needs_run=True)


def _harmless(redirect: Redirect) -> bool:
    """`>/dev/null`, `2>&1`: redirections that cannot change a test's status."""
    return redirect.op in (">", ">>", ">&", "&>") and redirect.target in _HARMLESS_TARGETS
