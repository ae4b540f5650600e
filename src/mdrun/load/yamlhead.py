"""A YAML head (a runbook's frontmatter, a block's frontmatter) as data, with the lines of its
top-level keys so that errors and origins can point at them.

A head in plain YAML (`load.plainyaml`: block mappings and sequences of simple scalars, as
nearly every head is) is read without PyYAML, which costs more to import than planning a
runbook; PyYAML reads anything else, and says what is wrong with what it refuses.
"""

from __future__ import annotations

from typing import Any

from mdrun.load.plainyaml import Marks, read


class HeadError(Exception):
    """PyYAML refused a head."""

    def __init__(self, message: str, problem: str, line: int | None) -> None:
        super().__init__(message)
        self.problem = problem
        """What is wrong, without the position (`mapping values are not allowed here`)."""
        self.line = line
        """The 0-based line of the text where PyYAML saw it, when it says."""


def read_head(text: str) -> tuple[Any, Marks]:
    """`load_yaml`, with PyYAML's refusal as a `HeadError`."""
    plain = read(text)
    if plain is not None:
        return plain
    import yaml

    try:
        return pyyaml_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot parse"
        raise HeadError(str(exc), problem, mark.line if mark is not None else None) from None
    except yaml.YAMLError as exc:
        raise HeadError(str(exc), str(exc), None) from None


def load_yaml(text: str) -> tuple[Any, Marks]:
    """`text` as one YAML document: what `yaml.safe_load` makes of it, and the lines of its
    top-level keys and of their sequences' items (`plainyaml.Marks`); `(None, {})` when it is
    empty. Raises `yaml.YAMLError`.

    Plain YAML is read by `plainyaml.read`. Anything else goes to libyaml's loader when PyYAML
    was built with it (several times faster than PyYAML's own; the same values and marks over
    every frontmatter of the repository and the store, see tests/test_frontmatter_yaml.py). A
    text libyaml refuses is read again by PyYAML's own loader, so that what is refused, and the
    message and line that say why, stay that loader's.
    """
    plain = read(text)
    return plain if plain is not None else pyyaml_load(text)


def pyyaml_load(text: str) -> tuple[Any, Marks]:
    """`load_yaml` by PyYAML alone."""
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return _marked(*compose_with(fast, text))
        except yaml.YAMLError:
            pass
    return _marked(*compose_with(yaml.SafeLoader, text))


def compose_with(loader_class: Any, text: str) -> tuple[Any, Any]:
    """What one PyYAML loader class (`yaml.SafeLoader`, `yaml.CSafeLoader`) makes of `text`: its
    data and node tree."""
    # PyYAML's reader rejects control characters as soon as it is made (a ReaderError, no mark).
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def marks_of(node: Any) -> Marks:
    """The `Marks` of a PyYAML node tree: for each string key of a top-level mapping (the last
    of a repeated key, as in the constructed mapping), its line and its sequence items' lines."""
    if node is None or not isinstance(node.value, list):
        return {}
    marks: Marks = {}
    for key, value in node.value:
        if not isinstance(key.value, str):
            continue
        items = value.value if value.id == "sequence" else ()
        marks[key.value] = (key.start_mark.line, tuple(i.start_mark.line for i in items))
    return marks


def _marked(data: Any, node: Any) -> tuple[Any, Marks]:
    return data, marks_of(node) if isinstance(data, dict) else {}
