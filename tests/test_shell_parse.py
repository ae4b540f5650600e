"""The shell parser (tree-sitter-bash, read into mdrun's records): commands split where bash
splits them, words as written, and what tree-sitter-bash is known to misread put right."""

from __future__ import annotations

import pytest

from mdrun.shell.parse import Parsed, ShellSyntaxError, parse
from mdrun.shell.syntax import Case, Command, Conditional, If, Node, Operator, Pipeline, chains


def commands(text: str) -> list[list[str]]:
    """Each top-level simple command as its words (assignments first)."""
    parsed = parse(text)
    return [
        [w.text for w in (*n.assignments, *n.words)] for n in parsed.nodes if isinstance(n, Command)
    ]


def only(parsed: Parsed) -> Node:
    (node,) = [n for n in parsed.nodes if not isinstance(n, Operator)]
    return node


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x=1 y=2\necho hi", [["x=1", "y=2"], ["echo", "hi"]]),  # tree-sitter-bash #228
        ("x=1 y=2 # set\necho hi", [["x=1", "y=2"], ["echo", "hi"]]),
        ("a | b | c\necho B && cd s", [["echo", "B"], ["cd", "s"]]),  # tree-sitter-bash #347
        ("a \\\n  b\nc", [["a", "b"], ["c"]]),  # a continued line stays one command
    ],
)
def test_a_newline_ends_a_command(text: str, expected: list[list[str]]) -> None:
    assert commands(text) == expected


def test_assignments_before_elif_leave_the_if_whole() -> None:
    node = only(parse("if a; then\n  x=1 y=2\nelif b; then\n  z\nfi"))
    assert isinstance(node, If)
    assert [len(chains(b.body)) for b in node.branches] == [1, 1]


@pytest.mark.parametrize(
    "text", ["[ = = ]", "[ x -eq ]", "[ '(' \"$A\" ')' ]", "[ -a -o ( ]", "[ ! -n $A -o ]"]
)
def test_a_bracket_test_is_a_command_with_any_arguments(text: str) -> None:
    try:
        words = commands(text)
    except ShellSyntaxError:
        assert "( ]" in text  # an unquoted `(` is a syntax error in bash too
        return
    assert words == [text.split()]


def test_double_equals_arguments_are_words() -> None:
    assert commands('test "$A" == = "!" || test x ==') == [
        ["test", '"$A"', "==", "=", '"!"'],
        ["test", "x", "=="],
    ]


@pytest.mark.parametrize(
    "text",
    [  # tree-sitter-bash's own `[[` grammar rejects each of these; bash does not
        "[[ \"$A\" = '=' && ' 7' != ${A} ]]",
        '[[ "-3" = \']\' || "$B" -lt ${A+} ]]',
        '! [[ "!" = x${A+1} || \'7 \' = "-a" || ( -n "$B" ) ]]',
    ],
)
def test_a_conditional_is_one_command(text: str) -> None:
    node = only(parse(text))
    if isinstance(node, Pipeline):
        (node,) = node.commands
    assert isinstance(node, Conditional)
    assert parse(text).text(node) == text.removeprefix("! ")


def test_conditionals_are_read_whole_from_their_text() -> None:
    text = "[[ x${A+1} != 'a b' && ( -n $B ) ]] 2>/dev/null && echo y"
    parsed = parse(text)
    (chain,) = chains(parsed.nodes)
    assert isinstance(chain.first, Conditional)
    assert parsed.text(chain.first) == "[[ x${A+1} != 'a b' && ( -n $B ) ]]"
    assert [r.target for r in chain.first.redirects] == ["/dev/null"]


def test_spans_count_characters_not_bytes() -> None:
    parsed = parse('echo "👉 é"; [ -n "$X" ]')
    last = [n for n in parsed.nodes if isinstance(n, Command)][-1]
    assert parsed.text(last) == '[ -n "$X" ]'
    assert [w.text for w in last.words] == ["[", "-n", '"$X"', "]"]


def test_a_here_document_body_is_not_part_of_its_command() -> None:
    parsed = parse("cat <<EOF >/dev/null\n[ body ]\nEOF\necho after")
    first, last = [n for n in parsed.nodes if isinstance(n, Command)]
    assert parsed.text(first) == "cat <<EOF >/dev/null"
    assert [w.text for w in last.words] == ["echo", "after"]


def test_case_arms_and_default() -> None:
    node = only(parse("case $x in\n  a|b) one;;\n  *) two; three;;\nesac"))
    assert isinstance(node, Case) and node.has_default
    assert [len(chains(arm)) for arm in node.arms] == [1, 2]


def test_negation_covers_the_whole_pipeline() -> None:
    node = only(parse("! a | b"))
    assert isinstance(node, Pipeline) and node.negated and len(node.commands) == 2


@pytest.mark.parametrize("text", ["echo a; done", "fi", "if x; then ( y; fi", "[[ a ]] b"])
def test_what_bash_rejects_is_a_syntax_error(text: str) -> None:
    with pytest.raises(ShellSyntaxError, match=r"^line \d+: "):
        parse(text)


def test_the_grammar_loads_without_its_package_or_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from tree_sitter import Language

    from mdrun.shell.parse import _bash_grammar

    alone = Language(_bash_grammar())
    monkeypatch.setattr("importlib.machinery.EXTENSION_SUFFIXES", [])  # no binding found
    packaged = Language(_bash_grammar())
    assert alone.name == packaged.name == "bash"
    assert alone.node_kind_count == packaged.node_kind_count
