"""tree-sitter-bash's tree of one text → `shell.syntax` records (see `shell.parse`)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from mdrun.shell.scan import split_words
from mdrun.shell.syntax import (
    Arithmetic,
    Body,
    Case,
    Command,
    Conditional,
    Group,
    If,
    IfBranch,
    Loop,
    LoopKeyword,
    Node,
    Operator,
    Other,
    Pipeline,
    Redirect,
    Span,
    Word,
)

if TYPE_CHECKING:
    from tree_sitter import Node as TSNode


class ShellSyntaxError(Exception):
    """The text is not valid shell; the message says where."""


class Misread(Exception):  # noqa: N818 - a request to parse again, not a failure
    """tree-sitter ran a command on past a newline that ends it (tree-sitter-bash issues 228,
    342, 347: after `a=1 b=2` or `a | b | c`). Parse again with the bytes `start:end` masked
    with `fill`: the newline becomes `;`, a comment before it blanks."""

    def __init__(self, start: int, end: int, fill: bytes) -> None:
        super().__init__(start)
        self.start, self.end, self.fill = start, end, fill


_TERMINATORS = frozenset({";", "&"})
_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_CASE_ENDS = frozenset({";;", ";&", ";;&"})
_CLOSERS = frozenset({"then", "else", "elif", "fi", "do", "done", "esac"})


class Builder:
    """Turns tree-sitter nodes of one text into `shell.syntax` records."""

    def __init__(self, source: str, data: bytes, conditionals: frozenset[int]) -> None:
        self.source, self.data = source, data
        self.conditionals = conditionals
        """Byte offsets of the `[[ … ]]`s masked into one word (see `shell.parse`)."""
        self.chars = None if source.isascii() else _char_offsets(source)

    def span(self, node: TSNode, end: int | None = None) -> Span:
        start, stop = node.start_byte, node.end_byte if end is None else end
        if self.chars is None:
            return (start, stop)
        return (self.chars[start], self.chars[stop])

    def word(self, node: TSNode) -> Word:
        start, end = self.span(node)
        return Word((start, end), self.source[start:end])

    def words(self, node: TSNode) -> list[Word]:
        """The shell words of one argument: tree-sitter reads `== = "!"` as one `regex`."""
        word = self.word(node)
        if not any(blank in word.text for blank in " \t\n"):
            return [word]
        start = word.span[0]
        return [Word((start + a, start + b), word.text[a:b]) for a, b in split_words(word.text)]

    def body(self, nodes: Iterable[TSNode]) -> Body:
        """Commands and operators; a newline operator between commands that have none."""
        parts: list[Node | Operator] = []
        for node in nodes:
            if node.type in _TERMINATORS:
                parts.append(Operator(self.span(node), ";" if node.type == ";" else "&"))
            elif node.is_named and node.type not in ("comment", "heredoc_body"):
                if parts and not isinstance(parts[-1], Operator):
                    parts.append(self._newline(parts[-1].span[1]))
                parts += self.statement(node)
        return tuple(parts)

    def _newline(self, after: int) -> Operator:
        at = self.source.find("\n", after)
        return Operator((after, after) if at < 0 else (at, at + 1), "\n")

    def statement(self, node: TSNode) -> list[Node | Operator]:
        """One statement; an `&&`/`||` list becomes its commands and operators."""
        if node.type != "list":
            return [self.node(node)]
        parts: list[Node | Operator] = []
        for child in node.children:
            if child.type in ("&&", "||"):
                parts.append(Operator(self.span(child), "&&" if child.type == "&&" else "||"))
            elif child.is_named and child.type != "comment":
                parts += self.statement(child)
        return parts

    def node(self, node: TSNode) -> Node:
        """The record for one command."""
        kind = node.type
        build = _BUILDERS.get(kind)
        if build is not None:
            return build(self, node)
        if kind in ("variable_assignment", "variable_assignments"):
            words = [node] if kind == "variable_assignment" else node.named_children
            return Command(self.span(node), tuple(self.word(w) for w in words), ())
        if kind == "list":  # only inside a pipeline tree-sitter misread (see `Misread`)
            for child in node.named_children:
                self.node(child)
        if kind in ("declaration_command", "unset_command"):
            return Command(self.span(node), (), tuple(self.word(w) for w in node.children))
        return Other(self.span(node), kind)

    def _check_lines(self, node: TSNode) -> None:
        """Raise `Misread` when a newline separates two of `node`'s words."""
        for before, after in itertools.pairwise(node.children):
            gap = self.data[before.end_byte : after.start_byte]
            at = gap.find(b"\n")
            if at < 0 or gap[:at].endswith(b"\\") or before.type in _REDIRECTS:
                continue
            if before.type == "comment":
                raise Misread(before.start_byte, before.end_byte, b" ")
            raise Misread(before.end_byte + at, before.end_byte + at + 1, b";")

    def command(self, node: TSNode) -> Command | Conditional:
        self._check_lines(node)
        assignments: list[Word] = []
        words: list[Word] = []
        redirects: list[Redirect] = []
        for child in node.children:
            if child.type in _REDIRECTS:
                redirects += self.redirects(child)
            elif child.type == "variable_assignment" and not words:
                assignments.append(self.word(child))
            elif child.start_byte in self.conditionals:
                words.append(self.word(child))  # `[[ … ]]`, masked into one word
            elif child.type != "comment":
                words += self.words(child)
        name = node.child_by_field_name("name")
        if name is not None and name.start_byte in self.conditionals and not assignments:
            if len(words) > 1:
                raise self._stray(words[1])
            return Conditional(words[0].span, tuple(redirects))
        if not assignments and words and words[0].text in _CLOSERS:
            raise self._stray(words[0])  # tree-sitter takes a stray `done` for a command
        return Command(self.span(node), tuple(assignments), tuple(words), tuple(redirects))

    def _stray(self, word: Word) -> ShellSyntaxError:
        line = self.source.count("\n", 0, word.span[0]) + 1
        return ShellSyntaxError(f"line {line}: syntax error near `{word.text}`")

    def redirected(self, node: TSNode) -> Node:
        """A command with redirections; a here-document's body is left out of its span."""
        redirects: list[Redirect] = []
        end = node.start_byte
        for child in node.children:
            if child.type in _REDIRECTS:
                redirects += self.redirects(child)
            end = max(end, _end_before_heredoc(child))
        body = node.child_by_field_name("body")
        span = self.span(node, end)
        if body is None:
            return Command(span, (), (), tuple(redirects))
        inner = self.node(body)
        if isinstance(inner, Conditional):  # its span stays the `[[ … ]]` that `conditional` reads
            return inner._replace(redirects=tuple(redirects))
        if isinstance(inner, Command):
            return inner._replace(span=span, redirects=(*inner.redirects, *redirects))
        return inner._replace(span=span)

    def redirects(self, node: TSNode) -> list[Redirect]:
        """One redirection (and those tree-sitter nests in a here-document's)."""
        op = next((c.type for c in node.children if not c.is_named), "")
        nested = [c for c in node.named_children if c.type in _REDIRECTS]
        targets = [
            c
            for c in node.named_children
            if c.type not in ("file_descriptor", "heredoc_body", "heredoc_end", *_REDIRECTS)
        ]
        target = self.source[slice(*self.span(targets[0]))] if targets else ""
        if op in (">&", "<&") and (target.isdigit() or target == "-"):
            target = "&" + target
        span = self.span(node, _end_before_heredoc(node))
        return [Redirect(span, op, target), *(r for c in nested for r in self.redirects(c))]

    def test(self, node: TSNode) -> Node:
        opener = node.children[0].type
        if opener == "[[":
            return Conditional(self.span(node))
        return Arithmetic(self.span(node)) if opener == "((" else Other(self.span(node), "test")

    def pipeline(self, node: TSNode) -> Pipeline:
        commands = [self.node(c) for c in node.named_children if c.type != "comment"]
        first = commands[0]
        if isinstance(first, Pipeline) and first.negated and len(first.commands) == 1:
            # `! a | b`: tree-sitter binds `!` to `a`, bash negates the whole pipeline.
            return Pipeline(self.span(node), (*first.commands, *commands[1:]), True)
        return Pipeline(self.span(node), tuple(commands), False)

    def negated(self, node: TSNode) -> Pipeline:
        inner = self.node(node.named_children[-1])
        if isinstance(inner, Pipeline) and not inner.negated:
            return Pipeline(self.span(node), inner.commands, True)
        return Pipeline(self.span(node), (inner,), True)

    def if_statement(self, node: TSNode) -> If:
        branches = [self._branch(node.children)]
        orelse: Body | None = None
        for child in node.children:
            if child.type == "elif_clause":
                branches.append(self._branch(child.children))
            elif child.type == "else_clause":
                orelse = self.body(child.children[1:])
        return If(self.span(node), tuple(branches), orelse)

    def _branch(self, children: Sequence[TSNode]) -> IfBranch:
        """`if|elif CONDITION then BODY`, BODY ending at the next clause or `fi`."""
        kinds = [c.type for c in children]
        then = kinds.index("then")
        stop = next((k for k in range(then, len(kinds)) if kinds[k] in _CLAUSE_ENDS), len(kinds))
        return IfBranch(self.body(children[1:then]), self.body(children[then + 1 : stop]))

    def loop(self, node: TSNode) -> Loop:
        keyword = node.children[0].type
        do = node.child_by_field_name("body")
        body = self.body(do.children) if do is not None else ()
        if node.type == "for_statement":
            variable = node.child_by_field_name("variable")
            word = self.word(variable) if variable is not None else None
            return Loop(self.span(node), _loop_keyword(keyword), word, (), body)
        if node.type == "c_style_for_statement":
            kinds = [c.type for c in node.children]
            start, stop = node.children[kinds.index("((")], node.children[kinds.index("))")]
            head = Arithmetic((self.span(start)[0], self.span(stop)[1]))
            return Loop(self.span(node), "for", None, (head,), body)
        condition = [c for c in node.children[1:] if c.type != "do_group"]
        return Loop(self.span(node), _loop_keyword(keyword), None, self.body(condition), body)

    def case(self, node: TSNode) -> Case:
        arms: list[Body] = []
        default = False
        for item in (c for c in node.children if c.type == "case_item"):
            kinds = [c.type for c in item.children]
            close = kinds.index(")") if ")" in kinds else 0
            patterns = item.children[:close]
            default = default or any(self.word(p).text == "*" for p in patterns)
            statements = [c for c in item.children[close + 1 :] if c.type not in _CASE_ENDS]
            arms.append(self.body(statements))
        return Case(self.span(node), tuple(arms), default)

    def group(self, node: TSNode) -> Node:
        if node.children and node.children[0].type == "((":
            return Arithmetic(self.span(node))
        return Group(self.span(node), node.type == "subshell", self.body(node.children))


_CLAUSE_ENDS = frozenset({"elif_clause", "else_clause", "fi"})
_BUILDERS = {
    "command": Builder.command,
    "redirected_statement": Builder.redirected,
    "test_command": Builder.test,
    "pipeline": Builder.pipeline,
    "negated_command": Builder.negated,
    "if_statement": Builder.if_statement,
    "while_statement": Builder.loop,
    "for_statement": Builder.loop,
    "c_style_for_statement": Builder.loop,
    "case_statement": Builder.case,
    "compound_statement": Builder.group,
    "subshell": Builder.group,
}


_LOOP_KEYWORDS: dict[str, LoopKeyword] = {k: k for k in ("for", "select", "while", "until")}


def _loop_keyword(keyword: str) -> LoopKeyword:
    return _LOOP_KEYWORDS.get(keyword, "while")


def _end_before_heredoc(node: TSNode) -> int:
    """Where `node` ends, not counting a here-document's body and delimiter line."""
    if node.type != "heredoc_redirect":
        return node.end_byte
    ends = [c.end_byte for c in node.children if c.type not in ("heredoc_body", "heredoc_end")]
    return max(ends, default=node.end_byte)


def _char_offsets(source: str) -> list[int]:
    """For each UTF-8 byte offset of `source` (and its end), the character offset."""
    out: list[int] = []
    for index, char in enumerate(source):
        out += [index] * len(char.encode())
    out.append(len(source))
    return out
