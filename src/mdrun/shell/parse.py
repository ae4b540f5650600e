"""Parse shell text with tree-sitter-bash into `shell.syntax` records, without running it.

Three things tree-sitter-bash reads differently from bash are masked first, byte for byte with
`_` (so every offset holds; words are always read from the original text):

- `[ … ]`: tree-sitter has an expression grammar for it, but to bash `[` is a command whose
  arguments may be anything (`[ = = ]`, `[ x -eq ]`). Each `[` that starts a word after a
  separator is masked, and the test becomes a plain command. Where such a `[` is only an
  argument or inside quotes, masking it changes nothing tree-sitter sees.
- `[[ … ]]`: its expression grammar rejects much that bash accepts (`[[ x = 'y' && … ]]`).
  `shell.conditional` reads `[[` from its text anyway, so each one is masked whole into one
  word, which becomes a `Conditional`.
- `==` and `=~` as command arguments: tree-sitter reads a "regex" after them that may swallow
  the words and operators that follow (`test a == b || c`); masked, they are plain words.

And where tree-sitter runs a command on past the newline that ends it (after `a=1 b=2`, after
a three-stage pipeline), that newline is replaced by `;` and the text parsed again.

A text that has a syntax error raises `ShellSyntaxError`.
"""

from __future__ import annotations

import functools
import importlib.machinery
import os
import re
from typing import TYPE_CHECKING, NamedTuple

from mdrun.shell.build import Builder, Misread, ShellSyntaxError
from mdrun.shell.scan import conditional_end
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
    """The bash parser, imported on first use: a runbook of plain blocks never loads it."""
    from tree_sitter import Language, Parser

    return Parser(Language(_bash_grammar()))


def _bash_grammar() -> object:
    """tree-sitter-bash's compiled grammar, loaded on its own where it can be: the package's
    `__init__` imports importlib.resources (for highlight queries mdrun never reads), which
    costs more than the rest of the parser together (bench/RESULTS.md, `plan-startup`). Found
    and loaded with importlib.machinery alone: importlib.util costs another 3 ms to import."""
    spec = importlib.machinery.PathFinder.find_spec("tree_sitter_bash")
    folder = os.path.dirname(spec.origin) if spec is not None and spec.origin else ""
    names = (f"_binding{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES)
    path = next((p for p in (os.path.join(folder, n) for n in names) if os.path.isfile(p)), "")
    if not folder or not path:
        from tree_sitter_bash import language  # another layout: the package's own way

        return language()
    loader = importlib.machinery.ExtensionFileLoader("tree_sitter_bash._binding", path)
    module = loader.create_module(importlib.machinery.ModuleSpec(loader.name, loader, origin=path))
    loader.exec_module(module)
    return module.language()


@functools.lru_cache(maxsize=4096)
def parse(source: str) -> Parsed:
    """Parse `source` (cached: guards, planner and renders ask for the same bodies); raises
    `ShellSyntaxError` on a syntax error. The result is immutable."""
    if all(not ln.strip() or ln.lstrip().startswith("#") for ln in source.splitlines()):
        return Parsed(source, ())
    data = source.encode()
    masked = bytearray(_TEST_BRACKET.sub(b"_", data))
    tokens = b"[[" in data or b"==" in data or b"=~" in data
    conditionals = _mask_tokens(masked) if tokens else frozenset()
    while True:
        root = _parser().parse(bytes(masked)).root_node
        if root.has_error:
            raise ShellSyntaxError(_error_message(root, data))
        try:
            return Parsed(source, Builder(source, data, conditionals).body(root.children))
        except Misread as misread:
            masked[misread.start : misread.end] = misread.fill * (misread.end - misread.start)


# A `[` after a separator, a keyword's blank or `!`, followed by a blank: a test command.
_TEST_BRACKET = re.compile(rb"(?:^|(?<=[\s;&|(){}!`]))\[(?=[ \t\n])", re.MULTILINE)
_OPERATORS = re.compile(rb"\[\[|==|=~")


def _mask_tokens(masked: bytearray) -> frozenset[int]:
    """Mask, in place, each `[[ … ]]` and each `==`/`=~` argument that a parse finds (tokens,
    not text in quotes or comments), parsing again while that changes something (a masked
    `==` may uncover the next one); the start offsets of the `[[`s masked."""
    starts: set[int] = set()
    changed = True
    while changed:
        root = _parser().parse(bytes(masked)).root_node
        text = masked.decode("latin-1")  # one character per byte: offsets are byte offsets
        changed = False
        for match in _OPERATORS.finditer(masked):
            at = match.start()
            token = root.descendant_for_byte_range(at, at + 2)
            if token is None or token.type != text[at : at + 2]:
                continue
            end = conditional_end(text, at + 2) if token.type == "[[" else None
            if end is not None:
                masked[at:end] = b"_" * (end - at)
                starts.add(at)
            elif token.type != "[[" and token.parent and token.parent.type in _ARGUMENTS:
                masked[at + 1] = ord("_")
            else:
                continue
            changed = True
    return frozenset(starts)


_ARGUMENTS = frozenset({"command", "ERROR"})


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
