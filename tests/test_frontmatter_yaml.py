"""Frontmatter is read by libyaml's loader where PyYAML has it (`load.yamlhead.load_yaml`):
over every frontmatter of this repository and of the guidebook store it must give what PyYAML's
own loader gives, the same values and the same lines for every key, and where it refuses a text
the error must be the Python loader's, message and mark."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from mdrun.load.yamlhead import compose_with, load_yaml, marks_of
from tests.conftest import REPO, SHARED

_FENCE = re.compile(r"[ \t]*(?:```|~~~)")


def _heads(text: str) -> list[str]:
    """The page frontmatter and every block head (`---` … `---` opening a fence's body)."""
    lines = text.split("\n")
    found = []
    starts = [0] if lines[0].rstrip() == "---" else []
    starts += [i + 1 for i, line in enumerate(lines[:-1]) if _FENCE.match(line)]
    for start in starts:
        indent = len(lines[start]) - len(lines[start].lstrip())
        if lines[start].strip() != "---":
            continue
        for end in range(start + 1, len(lines)):
            if lines[end].strip() in ("---", "..."):
                found.append("\n".join(line[indent:] for line in lines[start + 1 : end]))
                break
    return found


def _corpus() -> list[tuple[str, str]]:
    roots = [REPO / "runbooks", REPO / "tests", REPO / "docs", SHARED]
    paths = sorted(p for root in roots if root.is_dir() for p in root.rglob("*.md"))
    out = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        out += [(f"{path.relative_to(REPO.parent)}#{i}", h) for i, h in enumerate(_heads(text))]
    return out


def _shape(node: Any) -> object:
    """A node tree as tags, values and start lines and columns (styles differ by loader)."""
    if node is None:
        return None
    where = (node.tag, node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return (*where, node.value)
    if isinstance(node, yaml.SequenceNode):
        return (*where, [_shape(item) for item in node.value])
    return (*where, [(_shape(k), _shape(v)) for k, v in node.value])


def _python_loader(text: str) -> tuple[Any, Any]:
    return compose_with(yaml.SafeLoader, text)


def test_pyyaml_here_has_libyaml() -> None:
    # Without it load_yaml is the Python loader alone and the comparisons below prove nothing.
    assert yaml.__with_libyaml__


@pytest.mark.shared("store", "guidebooks")
def test_the_corpus_is_the_store_and_the_repository() -> None:
    names = [name for name, _ in _corpus()]
    assert sum(n.startswith("shared/store/") for n in names) > 100


def test_the_corpus_holds_the_repositorys_runbooks() -> None:
    assert any(n.startswith(f"{REPO.name}/runbooks/") for n, _ in _corpus())


@pytest.mark.parametrize("text", [t for _, t in _corpus()], ids=[n for n, _ in _corpus()])
def test_libyaml_reads_every_frontmatter_as_the_python_loader_does(text: str) -> None:
    data, node = _python_loader(text)
    fast_data, fast_node = compose_with(yaml.CSafeLoader, text)
    assert fast_data == data
    assert _shape(fast_node) == _shape(node)
    assert load_yaml(text) == (data, marks_of(node))


REFUSED = [
    "title: [unclosed\nnext: 1\n",
    "a: 1\n  b: 2\n",
    "x: [\n",
    "a: b: c\n",
    "key: 'open\n",
    "- a\nb: 1\n",
    "a: 1\na: &x\n  - *y\n",
    "bell: \x07\n",
    "tab:\n\t- a\n",
    "--- a\n--- b\n",
    "? [a\n",
    "a: !!binary %%%\n",
]


@pytest.mark.parametrize("text", REFUSED)
def test_a_refused_text_gets_the_python_loaders_error(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as python_error:
        _python_loader(text)
    with pytest.raises(yaml.YAMLError) as ours:
        load_yaml(text)
    assert type(ours.value) is type(python_error.value)
    assert str(ours.value) == str(python_error.value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "n: 010\nf: 1e3\nd: 2022-08-27\nb: yes\nz: ~\n",
        "imports:\n  - path: a\n    group: 1\n    env: {A: 'x: y', B: true}\n",
        'q: "a\\tb\\u00e9"\nlit: |\n  two\n  lines\n',
        "anchors:\n  base: &b {x: 1}\n  more:\n    <<: *b\n    y: 2\n",
        "uni: 'caf\u00e9 \U0001f600'\n",
    ],
)
def test_values_and_marks_agree_on_yaml_features(text: str) -> None:
    data, node = _python_loader(text)
    assert _shape(compose_with(yaml.CSafeLoader, text)[1]) == _shape(node)
    assert load_yaml(text) == (data, marks_of(node) if isinstance(data, dict) else {})
