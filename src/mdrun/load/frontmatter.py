"""YAML frontmatter: a leading `---` ... `---` block, and the `imports:` list inside it.

pyyaml is imported only when a runbook has frontmatter: it costs more to import than the rest of
`mdrun list` together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from mdrun.errors import FrontmatterError
from mdrun.model import SourceLocation


class Frontmatter(NamedTuple):
    """What a runbook's head says, with the lines where it says it."""

    data: Mapping[str, object]
    """The parsed mapping (empty when there is no frontmatter)."""
    imports: tuple[tuple[str, int], ...]
    """`imports:` entries with the file line each is written on."""
    body_start: int
    """Index in the runbook's lines of the first body line."""


NONE = Frontmatter({}, (), 0)


def split_frontmatter(lines: list[str], shown: str) -> Frontmatter:
    """Parse the frontmatter at the head of `lines` (the runbook at `shown`), if any.

    A first line `---` opens it and the next `---` or `...` line closes it; without a closing
    line the `---` is Markdown (a thematic break) and there is no frontmatter.
    """
    if not lines or lines[0].rstrip() != "---":
        return NONE
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return NONE
    data, node = _parse("\n".join(lines[1:end]), shown)
    if data is None:
        return Frontmatter({}, (), end + 1)
    if not isinstance(data, dict):
        raise FrontmatterError(
            f"frontmatter must be a mapping of keys to values, not {_kind(data)}",
            SourceLocation(shown, 2),
        )
    return Frontmatter(data, _imports(data, node, shown), end + 1)


def _parse(text: str, shown: str) -> tuple[Any, Any]:
    import yaml

    # safe_load, keeping the node tree so that imports can be located by line. The loader is
    # made inside the `try`: its reader already rejects control characters, without a mark.
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 2
        problem = exc.problem or exc.context or "cannot parse"
        raise FrontmatterError(
            f"bad YAML frontmatter: {problem}", SourceLocation(shown, line)
        ) from None
    except yaml.YAMLError as exc:
        raise FrontmatterError(f"bad YAML frontmatter: {exc}", SourceLocation(shown, 2)) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, node


def _imports(data: dict[Any, Any], node: Any, shown: str) -> tuple[tuple[str, int], ...]:
    if "imports" not in data:
        return ()
    key_node, value_node = [(k, v) for k, v in node.value if k.value == "imports"][-1]
    where = SourceLocation(shown, key_node.start_mark.line + 2)
    entries = data["imports"]
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise FrontmatterError(f"`imports` must be a list of runbooks, not {_kind(entries)}", where)
    out = []
    for entry, item in zip(entries, value_node.value, strict=True):
        line = item.start_mark.line + 2
        if not isinstance(entry, str) or not entry.strip():
            raise FrontmatterError(
                f"`imports` entries must be file names, not {_kind(entry)}",
                SourceLocation(shown, line),
            )
        out.append((entry.strip(), line))
    return tuple(out)


def _kind(value: object) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "nothing"
    return names.get(type(value), f"{type(value).__name__} {value!r}")
