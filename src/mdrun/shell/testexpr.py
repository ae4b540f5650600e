"""`test`, `[ … ]` and `[[ … ]]` decided statically, the way bash would decide them.

`[`/`test` follow bash's `test.c` to the letter (the argument-count rules, then the `-a`/`-o`
grammar), because the structure of a test depends on the values of its arguments. An error
there (`[ abc -eq 1 ]`) is exit status 2, which an `if` treats as false. `[[ … ]]` is parsed
before expansion, evaluates lazily and compares integers arithmetically, so only plain decimal
operands are decided there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from mdrun.redact import REDACTED
from mdrun.shell.scope import NeedsExecution, Outcome, Scope, show
from mdrun.shell.words import Word, expand

UNARY = frozenset(
    [
        "-a",
        "-b",
        "-c",
        "-d",
        "-e",
        "-f",
        "-g",
        "-h",
        "-k",
        "-n",
        "-p",
        "-r",
        "-s",
        "-t",
        "-u",
        "-v",
        "-w",
        "-x",
        "-z",
        "-G",
        "-L",
        "-O",
        "-S",
        "-N",
        "-R",
        "-o",
    ]
)
BINARY = frozenset(
    [
        "=",
        "==",
        "!=",
        "<",
        ">",
        "=~",
        "!~",
        "-nt",
        "-ot",
        "-ef",
        "-eq",
        "-ne",
        "-lt",
        "-le",
        "-gt",
        "-ge",
    ]
)
INT_OPS: dict[str, Callable[[int, int], bool]] = {
    "-eq": int.__eq__,
    "-ne": int.__ne__,
    "-lt": int.__lt__,
    "-le": int.__le__,
    "-gt": int.__gt__,
    "-ge": int.__ge__,
}
_TEST_INT = re.compile(r"[ \t]*([+-]?[0-9]+)[ \t]*\Z")
_MAYBE_INT = re.compile(r"\s*[+-]?[0-9]+\s*\Z")
_ARITH_INT = re.compile(r"[ \t\n]*([+-]?(?:0|[1-9][0-9]*))[ \t\n]*\Z")
_LIMIT = 2**63 - 1


class _TestError(Exception):
    """bash's test would print an error and return status 2."""


def presence(word: Word, value: str) -> str:
    """`X is set (from -e)` for -n/-z style facts, else `"abc" is not empty`."""
    if word.var is not None and value:
        return f"{word.var} is set {word.where}"
    if word.var is not None:
        return word.desc
    return f"{word.desc} is {'not ' if value else ''}empty"


def test_command(raw_args: Sequence[str], scope: Scope, *, bracket: bool) -> Outcome:
    """`[ ARGS ]` (with `bracket`) or `test ARGS`, given the source text of each argument."""
    notes: list[str] = []
    try:
        args: list[tuple[str, Word]] = []
        for raw in raw_args:
            word = expand(raw, scope)
            if len(word.fields) != 1:
                # `[ -n $X ]` with X empty is `[ -n ]`: say why the test looks that way.
                count = len(word.fields)
                notes.append(f"{word.desc}, unquoted, gives {count} word{'s' * (count != 1)}")
            args.extend(
                (f, word if len(word.fields) == 1 else Word((f,), show(f))) for f in word.fields
            )
        if bracket:
            if not args or args[-1][0] != "]":
                return Outcome(False, "`[` is missing its closing `]` (status 2)")
            args.pop()
        value, text = _Posix(args).run()
        return Outcome(value, "; ".join([*notes, text]))
    except NeedsExecution as exc:
        return exc.outcome()
    except _TestError as exc:
        return Outcome(False, "; ".join([*notes, f"{exc} (the test fails with status 2)"]))


class _Posix:
    """bash's `test` on fully expanded arguments."""

    def __init__(self, args: list[tuple[str, Word]]) -> None:
        self.args, self.pos = args, 0

    def _v(self, k: int) -> str:
        return self.args[k][0]

    def run(self) -> tuple[bool, str]:
        n = len(self.args)
        if n == 0:
            return False, "the test has no arguments"
        if n == 1:
            return self._one(0)
        if n == 2:
            return self._two(0)
        if n == 3:
            return self._three(0)
        if n == 4 and self._v(0) == "!":
            value, text = self._three(1)
            return not value, text
        if n == 4 and self._v(0) == "(" and self._v(3) == ")":
            return self._two(1)
        value, text = self._or()
        if self.pos != n:
            raise _TestError("too many arguments")
        return value, text

    def _one(self, k: int) -> tuple[bool, str]:
        value = self._v(k)
        return value != "", presence(self.args[k][1], value)

    def _two(self, k: int) -> tuple[bool, str]:
        op = self._v(k)
        if op == "!":
            value, text = self._one(k + 1)
            return not value, text
        if op in UNARY:
            return _unary(op, self.args[k + 1])
        raise _TestError(f"{show(op)}: unary operator expected")

    def _three(self, k: int) -> tuple[bool, str]:
        if self._v(k + 1) in BINARY:
            return _binary(self.args[k], self._v(k + 1), self.args[k + 2])
        if self._v(k + 1) in ("-a", "-o"):
            (a, ta), (b, tb) = self._one(k), self._one(k + 2)
            return _combine(self._v(k + 1) == "-a", a, ta, b, tb)
        if self._v(k) == "!":
            value, text = self._two(k + 1)
            return not value, text
        if self._v(k) == "(" and self._v(k + 2) == ")":
            return self._one(k + 1)
        raise _TestError(f"{show(self._v(k + 1))}: binary operator expected")

    def _or(self) -> tuple[bool, str]:
        value, text = self._and()
        if self.pos < len(self.args) and self._v(self.pos) == "-o":
            self.pos += 1
            other, other_text = self._or()
            return _combine(False, value, text, other, other_text)
        return value, text

    def _and(self) -> tuple[bool, str]:
        value, text = self._term()
        if self.pos < len(self.args) and self._v(self.pos) == "-a":
            self.pos += 1
            other, other_text = self._and()
            return _combine(True, value, text, other, other_text)
        return value, text

    def _term(self) -> tuple[bool, str]:
        n = len(self.args)
        if self.pos >= n:
            raise _TestError("argument expected")
        if self._v(self.pos) == "!":
            negations = 0
            while self.pos < n and self._v(self.pos) == "!":
                negations, self.pos = negations + 1, self.pos + 1
            value, text = self._term()
            return (not value if negations % 2 else value), text
        if self._v(self.pos) == "(":
            self.pos += 1
            value, text = self._or()
            if self.pos >= n or self._v(self.pos) != ")":
                raise _TestError("`)' expected")
            self.pos += 1
            return value, text
        k = self.pos
        if k + 3 <= n and self._v(k + 1) in BINARY:
            self.pos += 3
            return _binary(self.args[k], self._v(k + 1), self.args[k + 2])
        if k + 2 <= n and self._v(k) in UNARY:
            self.pos += 2
            return _unary(self._v(k), self.args[k + 1])
        self.pos += 1
        return self._one(k)


def _combine(is_and: bool, a: bool, ta: str, b: bool, tb: str) -> tuple[bool, str]:
    """Both sides are always evaluated; the reason keeps the sides that decided."""
    value = (a and b) if is_and else (a or b)
    deciding = [t for v, t in ((a, ta), (b, tb)) if v == value]
    return value, "; ".join(deciding if deciding else (ta, tb))


def _unary(op: str, arg: tuple[str, Word]) -> tuple[bool, str]:
    value, word = arg
    if op in ("-n", "-z"):
        return (value != "") == (op == "-n"), presence(word, value)
    what = "a file test" if op not in ("-o", "-v", "-t", "-R") else "the test"
    raise NeedsExecution(f"{what} {op} {REDACTED if word.secret else show(value)}")


def _binary(left: tuple[str, Word], op: str, right: tuple[str, Word]) -> tuple[bool, str]:
    return compare(left, op, right, _test_int)


def compare(
    left: tuple[str, Word],
    op: str,
    right: tuple[str, Word],
    to_int: Callable[[str, str], int],
) -> tuple[bool, str]:
    """`left OP right` for the string and integer operators, and its reason; each side is its
    value and word; `to_int` reads an integer operand (`test` and `[[` read them differently)."""
    (lv, lw), (rv, rw) = left, right
    text = describe(lw, op, rw)
    if op in ("=", "=="):
        result = lv == rv
    elif op == "!=":
        result = lv != rv
    elif op in INT_OPS:
        result = INT_OPS[op](to_int(lv, text), to_int(rv, text))
    else:
        raise NeedsExecution(f"the comparison {text}")
    return result, describe(lw, op, rw, result)


def describe(left: Word, op: str, right: Word, result: bool | None = None) -> str:
    """`NUM_GPUS is unset, default 0, so 0 -gt 0 is false`: the facts that gave the operands
    their values, then the comparison of those values and its result (`2 -gt 0` alone when both
    are literal). A literal compared with a secret is hidden too."""
    secret = left.secret or right.secret
    shown = [_shown(w, secret) for w in (left, right)]
    values = f"{shown[0]} {op} {shown[1]}"
    facts = [w.desc for w in (left, right) if w.desc != show(" ".join(w.fields))]
    if result is not None and facts:
        values += " is true" if result else " is false"
    return f"{'; '.join(facts)}, so {values}" if facts else values


def _shown(word: Word, hide: bool) -> str:
    if word.secret or (hide and word.var is None):
        return REDACTED
    return show(" ".join(word.fields))


def _test_int(value: str, text: str) -> int:
    """An integer as `test` reads it (`strtoimax`, surrounding blanks allowed)."""
    match = _TEST_INT.match(value)
    if match is not None and abs(int(match.group(1))) < _LIMIT:
        return int(match.group(1))
    if _MAYBE_INT.match(value):
        raise NeedsExecution(f"to know how test reads the integer {show(value)}")
    raise _TestError(f"{text}: integer expression expected")


def arith_int(value: str, text: str) -> int:
    """An operand of `[[ -eq ]]` when it is a plain decimal (else it is arithmetic)."""
    match = _ARITH_INT.match(value)
    if match is None or abs(int(match.group(1))) >= _LIMIT:
        raise NeedsExecution(f"arithmetic evaluation of {show(value)} in {text}")
    return int(match.group(1))
