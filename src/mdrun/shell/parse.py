"""Parse shell text with tree-sitter-bash into `shell.syntax` records, without running it.

tree-sitter-bash reads `[ … ]` with an expression grammar, but to bash `[` is a command like any
other, whose arguments may be anything (`[ = = ]`, `[ x -eq ]`). So before parsing, each `[`
that starts a word in command position is replaced by `_` (one byte for one, so offsets hold):
tree-sitter then reads a plain command, whose words are taken from the original text. Where
such a `[` is only an argument or inside quotes, the swap changes nothing tree-sitter sees. A
text that has a syntax error raises `ShellSyntaxError`.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, NamedTuple

from mdrun.shell.build import Builder, ShellSyntaxError
from mdrun.shell.syntax import Body, Node, Operator, Word

if TYPE_CHECKING:
    from tree_sitter import Node as TSNode
    from tree_sitter import Parser

__all__ = ["Parsed", "ShellSyntaxError", "parse"]


class Parsed(NamedTuple):
    """Shell text and its top-level commands."""

    source: str
    """The original text; spans index into it."""
    nodes: Body
    """Its commands and the operators between them (newlines included), in order."""

    def text(self, node: Node | Operator | Word) -> str:
        """The original source of `node`."""
        start, end = node.span
        return self.source[start:end]

    def line_index(self, offset: int) -> int:
        """0-based line of `offset` in `source`."""
        return self.source.count("\n", 0, offset)


@functools.cache
def _parser() -> Parser:
    from tree_sitter import Language, Parser
    from tree_sitter_bash import language

    return Parser(Language(language()))


@functools.lru_cache(maxsize=4096)
def parse(source: str) -> Parsed:
    """Parse `source` (cached: guards, planner and renders ask for the same bodies); raises
    `ShellSyntaxError` on a syntax error. The result is immutable."""
    if all(not ln.strip() or ln.lstrip().startswith("#") for ln in source.splitlines()):
        return Parsed(source, ())
    data = source.encode()
    root = _parser().parse(_TEST_BRACKET.sub(b"_", data)).root_node
    if root.has_error:
        raise ShellSyntaxError(_error_message(root, data))
    return Parsed(source, Builder(source, data).body(root.children))


# A `[` after a separator, a keyword's blank or `!`, followed by a blank: a test command.
_TEST_BRACKET = re.compile(rb"(?:^|(?<=[\s;&|(){}!`]))\[(?=[ \t\n])", re.MULTILINE)


def _error_message(root: TSNode, data: bytes) -> str:
    """`line 3: syntax error near `esac``, for the first error in the tree."""
    node = _first_error(root) or root
    line = node.start_point[0] + 1
    if node.is_missing:
        return f"line {line}: `{node.type}` is missing"
    near = data[node.start_byte : node.end_byte].decode(errors="replace").split("\n")[0][:30]
    return f"line {line}: syntax error near `{near}`"


def _first_error(node: TSNode) -> TSNode | None:
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            return _first_error(child)
    return None
