"""Block frontmatter (a fence whose body opens with `---` … `---`) and `codeblocks:` rules.

madwizard reads a block's own YAML head for `validate:`, `exec:`, `optional:` and friends, and
lets a guidebook's frontmatter set them for every block whose body matches a regex
(`codeblocks:`). Both end up in the block's `BlockOptions`; the head is not part of the body.
"""

from __future__ import annotations

import re
from typing import Any

from mdrun.errors import BlockError
from mdrun.load.yamlhead import HeadError, read_head
from mdrun.model import Block, BlockOptions, CodeBlockRule, Origin

BODY = "$body"
"""`validate: $body`: the block's own body is its validation."""

_KEYS = ("validate", "exec", "optional", "id", "async", "stdin", "cleanup")
"""The block frontmatter keys madwizard 9 reads (`id` names the block)."""


def runs_as_shell(block: Block) -> bool:
    """Whether bash runs the body itself (not python, not handed to an `exec:` command): what
    planning and linting may read as shell."""
    return block.options.exec is None and block.language not in ("python", "py")


def split_head(block: Block) -> Block:
    """`block` with its frontmatter, if any, moved from the body into its options."""
    lines = block.body.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None or lines[start].rstrip() != "---":
        return block
    end = next((i for i in range(start + 1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        return block
    where = block.line_origins[start] if start < len(block.line_origins) else block.origin
    data = _parse("\n".join(lines[start + 1 : end]), where)
    body = "\n".join(lines[end + 1 :])
    options = _options(block.options, data, body, where)
    return block._replace(
        body=body,
        options=options,
        name=options.name or block.name,
        line_origins=block.line_origins[end + 1 :],
    )


def _parse(text: str, where: Origin) -> dict[str, Any]:
    try:
        data, _ = read_head(text)
    except HeadError as exc:
        raise _error(f"bad block frontmatter: {exc}", where) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _error("block frontmatter must be a mapping of keys to values", where)
    unknown = sorted(str(k) for k in data if k not in _KEYS)
    if unknown:
        known = ", ".join(_KEYS)
        raise _error(f"unknown block frontmatter key {unknown[0]!r} (known: {known})", where)
    return data


def _options(options: BlockOptions, data: dict[str, Any], body: str, where: Origin) -> BlockOptions:
    values: dict[str, Any] = {}
    for key, field in (("validate", "validate"), ("exec", "exec"), ("cleanup", "undo")):
        if data.get(key) is not None:
            values[field] = _command(data[key], key, where)
    if values.get("validate") == BODY:
        values["validate"] = body.strip()
    for key, field in (("optional", "optional"), ("async", "is_async"), ("stdin", "stdin")):
        if key in data:
            if not isinstance(data[key], bool):
                raise _error(f"block frontmatter {key!r} must be true or false", where)
            values[field] = data[key]
    if data.get("id") is not None:
        values["name"] = str(data["id"])
    return options._replace(**values)


def _command(value: object, key: str, where: Origin) -> str:
    # madwizard accepts `validate: true` and numbers; as commands they are `true`, `exit N`...
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"exit {int(value)}" if value else "true"
    if not isinstance(value, str) or not value.strip():
        raise _error(f"block frontmatter {key!r} must be a command", where)
    return value.strip()


def apply_rules(block: Block, rules: tuple[CodeBlockRule, ...], raw: str) -> Block:
    """The first `codeblocks:` rule whose `match` is found in `raw` (the fence's content, head
    included, as madwizard matches it) sets its options, over the block's own head."""
    for rule in rules:
        if re.search(rule.match, raw) is None:
            continue
        values: dict[str, Any] = {}
        if rule.optional is not None:
            values["optional"] = rule.optional
        if rule.validate is not None:
            values["validate"] = block.body.strip() if rule.validate == BODY else rule.validate
        if rule.undo is not None:
            values["undo"] = rule.undo
        language = rule.language or block.language
        return block._replace(options=block.options._replace(**values), language=language)
    return block


def _error(message: str, where: Origin) -> BlockError:
    return BlockError(message, where[-1] if where else None, where[:-1])
