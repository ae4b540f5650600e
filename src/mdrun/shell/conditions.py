"""The exit status of a shell condition (`if COND; then`), decided without running it.

Only tests (`[`, `test`, `[[`), `true`, `false`, `:`, `!`, `&&`, `||`, `;` and `{ }`/`( )`
groups are understood. Any other command would have to run: its status is unknown, and since
it may change variables (`read`, `source`...), every test after it is unknown too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from mdrun.shell.parse import Node, Parsed
from mdrun.shell.scope import Outcome, Scope, lazy
from mdrun.shell.testexpr import test_command

_HARMLESS_TARGETS = frozenset({"/dev/null", "&1", "&2"})


def clip(text: str, width: int = 40) -> str:
    """One line, at most `width` characters, for quoting shell code in a reason."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"


class Evaluator:
    """Evaluates the conditions of one piece of shell, in order, against one scope."""

    def __init__(self, parsed: Parsed, scope: Scope) -> None:
        self.parsed, self.scope = parsed, scope
        self.tainted_by: str | None = None
        """Source of an opaque command that may have run before the current test."""

    def parts(self, parts: Sequence[Node]) -> Outcome:
        """A command list (bashlex list parts: commands and operators); its last status."""
        chains: list[list[Node]] = [[]]
        for part in parts:
            if part.kind == "operator" and part.op in (";", "\n"):
                chains.append([])
            elif part.kind == "operator" and part.op == "&":
                return self._opaque(part, "needs a background job")
            else:
                chains[-1].append(part)
        outcome = Outcome(True, "empty condition")
        for chain in (c for c in chains if c):
            outcome = self.chain(chain)
        return outcome

    def chain(self, items: Sequence[Node]) -> Outcome:
        """`a && b || c`: left to right, each operator short-circuiting."""
        outcome = self.node(items[0])
        for k in range(1, len(items) - 1, 2):
            op, node = items[k], items[k + 1]
            outcome = lazy(op.op == "&&", outcome, partial(self.node, node))
        return outcome

    def node(self, node: Node) -> Outcome:
        """One command, pipeline, group or list."""
        if node.kind == "list":
            return self.parts(node.parts)
        if node.kind == "pipeline":
            return self._pipeline(node)
        if node.kind == "command":
            return self._command(node)
        if node.kind == "compound" and node.list and node.list[0].kind == "reservedword":
            inner = [p for p in node.list[1:-1] if p.kind != "reservedword"]
            return self.parts(
                inner[0].parts if len(inner) == 1 and inner[0].kind == "list" else inner
            )
        return self._opaque(node)

    def _pipeline(self, node: Node) -> Outcome:
        parts = node.parts
        negate = parts[0].kind == "reservedword" and parts[0].word == "!"
        commands = [p for p in parts if p.kind not in ("reservedword", "pipe")]
        if len(commands) != 1:
            return self._opaque(node, "needs a pipeline to run")
        out = self.node(commands[0])
        if negate and out.value is not None:
            return Outcome(not out.value, out.text)
        return out

    def _command(self, node: Node) -> Outcome:
        words = [p for p in node.parts if p.kind == "word"]
        others = [p for p in node.parts if p.kind not in ("word", "redirect")]
        redirects = [p for p in node.parts if p.kind == "redirect"]
        if not words or others or not all(_harmless(self.parsed, r) for r in redirects):
            return self._opaque(node)
        first = words[0]
        name = self.parsed.text(first)
        args = [self.parsed.text(w) for w in words[1:]]
        if first.pos[0] in self.parsed.conditionals and not args:
            # Imported here: only runbooks that use `[[ … ]]` pay for its parser (~1 ms).
            from mdrun.shell.conditional import conditional

            return self._test(
                lambda: conditional(self.parsed.conditionals[first.pos[0]], self.scope)
            )
        if name in ("[", "test"):
            return self._test(lambda: test_command(args, self.scope, bracket=name == "["))
        if name in ("true", ":", "false") and not args:
            return Outcome(name != "false", name)
        return self._opaque(node)

    def _test(self, run: Callable[[], Outcome]) -> Outcome:
        if self.tainted_by is not None:
            return Outcome(None, f"runs after `{self.tainted_by}`, which may change what it tests")
        return run()

    def _opaque(self, node: Node, reason: str | None = None) -> Outcome:
        text = clip(self.parsed.text(node))
        self.tainted_by = self.tainted_by or text
        return Outcome(None, reason or f"needs to run `{text}`")


def _harmless(parsed: Parsed, redirect: Node) -> bool:
    """`>/dev/null`, `2>&1`: redirections that cannot change a test's status."""
    target = redirect.output
    text = parsed.text(target) if hasattr(target, "pos") else f"&{target}"
    return redirect.type in (">", ">>", ">&", "&>") and text in _HARMLESS_TARGETS
