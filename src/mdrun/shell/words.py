"""Static expansion of one shell word against a planned environment.

Only what can be decided without running anything is expanded: quoting, `$X`, `${X}`,
`${X-d}`, `${X:-d}`, `${X+d}`, `${X:+d}`. Everything else (command substitution, arithmetic,
other parameter operators, pathname expansion, unknown values) raises `NeedsExecution`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from mdrun.redact import REDACTED, is_secret
from mdrun.shell.scan import NAME, NAME_PATTERN, clip, closing, matching_paren
from mdrun.shell.scope import NeedsExecution, Scope, show, source_phrase, var_state

_BRACED = re.compile(rf"({NAME_PATTERN})(:?[-+])?")
_IFS = re.compile(r"[ \t\n]+")
_GLOB = re.compile(r"[*?\[]")


class _Piece(NamedTuple):
    text: str
    quoted: bool
    expanded: bool


class Word(NamedTuple):
    """One expanded word."""

    fields: tuple[str, ...]
    """The fields it becomes (one, unless split; none for an empty unquoted expansion)."""
    desc: str
    """How a reason names it: `NUM_GPUS=2 (from -e)`, `X is unset, default 0`, `abc`."""
    var: str | None = None
    """The variable when the word is just `$X` or `${X}` (quoted or not)."""
    secret: bool = False
    """Its value comes from a secret variable."""
    where: str = ""
    """For `var`: where it was set, as `source_phrase` words it (empty when unset)."""


def expand(raw: str, scope: Scope, *, split: bool = True, pattern: bool = False) -> Word:
    """Expand the source text of one word. `split`: field splitting and the pathname-expansion
    check; `pattern`: the word is a `[[ == ]]` pattern, so unquoted glob characters are unknown."""
    ex = _Expander(raw, scope)
    pieces = ex.pieces(in_quotes=False)
    if "IFS" in scope.values and split:
        raise NeedsExecution(
            "IFS is changed, so field splitting cannot be predicted", construct=False
        )
    if split or pattern:
        for p in pieces:
            if not p.quoted and _GLOB.search(p.text):
                what = "pattern matching" if pattern else "pathname expansion"
                raise NeedsExecution(f"{what} of {show(raw)}")
    fields = _split(pieces) if split else ("".join(p.text for p in pieces),)
    secret = any(is_secret(n) for n, _ in ex.refs)
    value = REDACTED if secret else " ".join(fields)
    only_ref = len(ex.refs) == 1 and not any(p.text and not p.expanded for p in pieces)
    if only_ref:
        desc = ex.refs[0][1]
    elif ex.refs:
        desc = f"{show(value)} ({'; '.join(fact for _, fact in ex.refs)})"
    else:
        desc = show(value)
    var = ex.refs[0][0] if only_ref and ex.simple else None
    item = scope.values.get(var) if var else None
    return Word(fields, desc, var, secret, source_phrase(item.source) if item else "")


def _split(pieces: list[_Piece]) -> tuple[str, ...]:
    """Field splitting with the default IFS: only unquoted expansion results are split."""
    fields: list[str] = []
    current, have = "", False
    for p in pieces:
        if p.quoted or not p.expanded:
            current += p.text
            have = have or p.quoted or bool(p.text)
            continue
        for k, part in enumerate(_IFS.split(p.text)):
            if k and have:
                fields.append(current)
                current, have = "", False
            current += part
            have = have or bool(part)
    if have:
        fields.append(current)
    return tuple(fields)


class _Expander:
    """A cursor over one word's text, collecting pieces and the variables referenced."""

    def __init__(self, text: str, scope: Scope) -> None:
        self.text, self.i, self.scope = text, 0, scope
        self.refs: list[tuple[str, str]] = []
        self.simple = True

    def pieces(self, in_quotes: bool) -> list[_Piece]:
        out: list[_Piece] = []
        text = self.text
        while self.i < len(text):
            c = text[self.i]
            if c == "'" and not in_quotes:
                end = text.find("'", self.i + 1)
                if end < 0:
                    raise NeedsExecution("an unterminated quote to be closed")
                out.append(_Piece(text[self.i + 1 : end], True, False))
                self.i = end + 1
            elif c == '"' and not in_quotes:
                self.i += 1
                out.extend(self._double_quoted())
            elif c == "\\":
                out.append(self._escape(in_quotes))
            elif c == "$":
                out.extend(self._dollar(in_quotes))
            elif c == "`":
                raise NeedsExecution(f"command substitution {clip(text[self.i :])}")
            elif c == "~" and not in_quotes and (self.i == 0 or text[self.i - 1] in ":="):
                raise NeedsExecution("tilde expansion")
            else:
                out.append(_Piece(c, in_quotes, False))
                self.i += 1
        return out

    def _double_quoted(self) -> list[_Piece]:
        start = self.i
        while self.i < len(self.text) and self.text[self.i] != '"':
            if self.text[self.i] == "\\":
                self.i += 2
            elif self.text.startswith("$(", self.i):
                self.i = matching_paren(self.text, self.i + 1)
            else:
                self.i += 1
        if self.i >= len(self.text):
            raise NeedsExecution("an unterminated quote to be closed")
        inner = _Expander(self.text[start : self.i], self.scope)
        pieces = inner.pieces(in_quotes=True)
        self.refs.extend(inner.refs)
        self.simple = self.simple and inner.simple
        self.i += 1
        return pieces or [_Piece("", True, False)]

    def _escape(self, in_quotes: bool) -> _Piece:
        nxt = self.text[self.i + 1 : self.i + 2]
        self.i += 2
        if nxt == "\n":
            return _Piece("", False, False)
        if in_quotes and nxt not in ('"', "\\", "$", "`"):
            return _Piece("\\" + nxt, True, False)
        return _Piece(nxt, True, False)

    def _dollar(self, in_quotes: bool) -> list[_Piece]:
        text, i = self.text, self.i
        nxt = text[i + 1 : i + 2]
        if nxt == "(":
            kind = "arithmetic" if text.startswith("((", i + 1) else "command substitution"
            raise NeedsExecution(f"{kind} {clip(text[i:])}")
        if nxt == "{":
            return self._braced(in_quotes)
        if nxt == "'" and not in_quotes:
            end = text.find("'", i + 2)
            body = text[i + 2 : end]
            if end < 0 or "\\" in body:
                raise NeedsExecution(f"ANSI-C quoting {clip(text[i:])}")
            self.i = end + 1
            return [_Piece(body, True, False)]
        if nxt == '"' and not in_quotes:
            self.i += 1
            return []
        match = NAME.match(text, i + 1)
        if match:
            self.i = match.end()
            return self._variable(match.group(), "", "", in_quotes)
        if nxt and (nxt.isdigit() or nxt in "?#@*$!-"):
            raise NeedsExecution(f"the special parameter ${nxt}")
        self.i += 1
        return [_Piece("$", in_quotes, False)]

    def _braced(self, in_quotes: bool) -> list[_Piece]:
        text, start = self.text, self.i + 2
        end = _closing_brace(text, start)
        inner = text[start:end]
        self.i = end + 1
        match = _BRACED.match(inner)
        if match is None or (match.group(2) is None and match.end() != len(inner)):
            raise NeedsExecution(f"the parameter expansion ${{{clip(inner, 30)}}}")
        self.simple = self.simple and match.group(2) is None
        return self._variable(match.group(1), match.group(2) or "", inner[match.end() :], in_quotes)

    def _variable(self, name: str, op: str, word: str, in_quotes: bool) -> list[_Piece]:
        item = self.scope.lookup(name)
        if item is not None and item.value is None and op != "+":
            raise NeedsExecution(
                f"{name} is set but its value is unknown {source_phrase(item.source)}",
                construct=False,
            )
        value = item.value if item is not None else None
        is_set = item is not None and (not op.startswith(":") or bool(value))
        state = var_state(name, item, self.scope.unset_by.get(name))
        if op.endswith("-") and not is_set:
            alt = self._alternative(word, in_quotes)
            self.refs.append((name, f"{state}, default {show(_text(alt))}"))
            return alt
        if op.endswith("+"):
            alt = self._alternative(word, in_quotes) if is_set else []
            if is_set and item is not None:
                state = f"{name} is set {source_phrase(item.source)}, giving {show(_text(alt))}"
            self.refs.append((name, state))
            return alt or [_Piece("", in_quotes, True)]
        self.refs.append((name, state))
        return [_Piece(value or "", in_quotes, True)]

    def _alternative(self, word: str, in_quotes: bool) -> list[_Piece]:
        """The word of `${X-word}`: its quoted parts stay whole, the rest is split later."""
        if in_quotes and "'" in word:
            raise NeedsExecution("single quotes inside a quoted ${…} to be interpreted")
        sub = _Expander(word, self.scope)
        pieces = sub.pieces(in_quotes)
        self.refs.extend(sub.refs)
        return [_Piece(p.text, p.quoted, True) for p in pieces] or [_Piece("", in_quotes, True)]


def _text(pieces: list[_Piece]) -> str:
    return "".join(p.text for p in pieces)


def _closing_brace(text: str, start: int) -> int:
    """Index of the `}` closing the `${` whose contents start at `start`."""
    end = closing(text, start - 1, "{}")
    if end is None:
        raise NeedsExecution(f"an unterminated ${{ to be closed: {clip(text)}")
    return end - 1
