"""`[[ … ]]` decided statically.

Unlike `[`, bash parses `[[` before expanding anything: operators are recognised by their
source text, words are neither split nor globbed, `&&`/`||` short-circuit, the right side of
`==`/`!=` is a pattern and `-eq` operands are arithmetic expressions.
"""

from __future__ import annotations

from typing import NamedTuple

from mdrun.shell.scan import matching_paren, skip_quoted
from mdrun.shell.scope import NeedsExecution, Outcome, Scope, lazy
from mdrun.shell.testexpr import BINARY, UNARY, arith_int, compare, presence
from mdrun.shell.words import expand

_OPERATORS = ("&&", "||", "(", ")", "<", ">")


class _Node(NamedTuple):
    op: str
    """`and`, `or`, `not`, `word`, or the test operator (`-n`, `==`, …)."""
    args: tuple[_Node | str, ...]
    """Sub-expressions, or the source text of the operands."""


def conditional(source: str, scope: Scope) -> Outcome:
    """Evaluate `[[ … ]]` given its source text (brackets included)."""
    try:
        tokens = _tokens(source.strip()[2:-2])
        parser = _Parser(tokens)
        tree = parser.expr()
        if parser.pos != len(tokens):
            raise ValueError(f"unexpected {tokens[parser.pos]!r}")
    except (ValueError, IndexError) as exc:
        return Outcome(None, f"could not parse {source.strip()[:40]}: {exc}")
    return _eval(tree, scope)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in " \t\n":
            i += 1
            continue
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op is not None:
            out.append(op)
            i += len(op)
            continue
        start = i
        while i < n and text[i] not in " \t\n()<>&|":
            if text[i] == "\\":
                i += 2
            elif text[i] in "'\"":
                end = _quote_end(text, i)
                i = end
            elif text.startswith("$(", i):
                i = matching_paren(text, i + 1)
            else:
                i += 1
        if i == start:
            raise ValueError(f"unexpected {text[i]!r}")
        out.append(text[start:i])
    return out


def _quote_end(text: str, i: int) -> int:
    end = skip_quoted(text, i)
    if end > len(text) or end - 1 == i or text[end - 1] != text[i]:
        raise ValueError("unterminated quote")
    return end


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.pos = tokens, 0

    def _peek(self, ahead: int = 0) -> str | None:
        k = self.pos + ahead
        return self.tokens[k] if k < len(self.tokens) else None

    def _word(self) -> str:
        token = self._peek()
        if token is None or token in _OPERATORS:
            raise ValueError(f"expected a word, found {token!r}")
        self.pos += 1
        return token

    def expr(self) -> _Node:
        node = self._and()
        while self._peek() == "||":
            self.pos += 1
            node = _Node("or", (node, self._and()))
        return node

    def _and(self) -> _Node:
        node = self._term()
        while self._peek() == "&&":
            self.pos += 1
            node = _Node("and", (node, self._term()))
        return node

    def _term(self) -> _Node:
        token = self._peek()
        if token == "!":
            self.pos += 1
            return _Node("not", (self._term(),))
        if token == "(":
            self.pos += 1
            node = self.expr()
            if self._peek() != ")":
                raise ValueError("expected `)`")
            self.pos += 1
            return node
        left = self._word()
        if left in UNARY:
            return _Node(left, (self._word(),))
        op = self._peek()
        if op is not None and (op in BINARY or op in ("<", ">")):
            self.pos += 1
            return _Node(op, (left, self._word()))
        return _Node("word", (left,))


def _eval(node: _Node, scope: Scope) -> Outcome:
    if node.op in ("and", "or"):
        a, b = node.args
        assert isinstance(a, _Node) and isinstance(b, _Node)
        return lazy(node.op == "and", _eval(a, scope), lambda: _eval(b, scope))
    if node.op == "not":
        inner = node.args[0]
        assert isinstance(inner, _Node)
        out = _eval(inner, scope)
        return out if out.value is None else out._replace(value=not out.value)
    try:
        return _test(node.op, [str(a) for a in node.args], scope)
    except NeedsExecution as exc:
        return exc.outcome()


def _test(op: str, raw: list[str], scope: Scope) -> Outcome:
    if op == "word" or op in ("-n", "-z"):
        word = expand(raw[-1], scope, split=False)
        value = word.fields[0]
        return Outcome((value != "") == (op != "-z"), presence(word, value))
    if op in UNARY:
        raise NeedsExecution(f"a file test {op} {raw[0]}")
    left = expand(raw[0], scope, split=False)
    right = expand(raw[1], scope, split=False, pattern=op in ("=", "==", "!="))
    result, text = compare((left.fields[0], left), op, (right.fields[0], right), arith_int)
    return Outcome(result, text)
