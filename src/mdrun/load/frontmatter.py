"""YAML frontmatter: a leading `---` ... `---` block, its `imports:` and `codeblocks:` keys.

`imports:` entries are guidebook names (strings) or mappings `{path, group, env}`, as madwizard
reads them; `codeblocks:` rules are `mdrun.blocks.frontmatter`'s to apply. Every key keeps the
line it is written on, so that errors and origins point at it.

The YAML itself is read by `load.yamlhead`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from mdrun.errors import FrontmatterError
from mdrun.load.plainyaml import Marks
from mdrun.load.yamlhead import HeadError, read_head
from mdrun.model import CodeBlockRule, SourceLocation


class Import(NamedTuple):
    """One `imports:` entry."""

    spec: str
    """The guidebook named (`util/jq`, `./kubernetes`, `../docker/install.md`)."""
    line: int
    """The file line the entry is written on."""
    group: str | None = None
    """`group:`: the same guidebook is imported once per group."""
    env: tuple[tuple[str, str], ...] = ()
    """`env:`: variables exported before the imported guidebook and unset after it."""


class Frontmatter(NamedTuple):
    """What a runbook's head says, with the lines where it says it."""

    data: Mapping[str, object]
    """The parsed mapping (empty when there is no frontmatter)."""
    imports: tuple[Import, ...]
    """`imports:` entries, in order."""
    body_start: int
    """Index in the runbook's lines of the first body line."""
    lines: Mapping[str, int] = {}
    """The file line of each top-level key."""
    codeblocks: tuple[CodeBlockRule, ...] = ()
    """`codeblocks:` rules, in order."""
    validate: str | None = None
    """`validate:`: a command that, when it succeeds, says the guidebook is already done."""


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
    data, marks = _parse("\n".join(lines[1:end]), shown)
    if data is None:
        return Frontmatter({}, (), end + 1)
    if not isinstance(data, dict):
        raise FrontmatterError(
            f"frontmatter must be a mapping of keys to values, not {_kind(data)}",
            SourceLocation(shown, 2),
        )
    keys = {name: line + 2 for name, (line, _) in marks.items()}
    imports = _imports(data, marks, shown)
    if "finally" in data:
        # madwizard's guidebooks-to-run-at-the-end: none in the store uses it; not silently lost.
        where = SourceLocation(shown, keys["finally"])
        raise FrontmatterError(
            "`finally:` (guidebooks run when this one ends) is not supported; "
            "mark cleanup blocks finally=true",
            where,
        )
    rules = _codeblocks(data, marks, shown)
    return Frontmatter(data, imports, end + 1, keys, rules, _validate(data, keys, shown))


def _parse(text: str, shown: str) -> tuple[Any, Marks]:
    try:
        return read_head(text)
    except HeadError as exc:
        line = exc.line + 2 if exc.line is not None else 2
        raise FrontmatterError(
            f"bad YAML frontmatter: {exc.problem}", SourceLocation(shown, line)
        ) from None


def _imports(data: dict[Any, Any], marks: Marks, shown: str) -> tuple[Import, ...]:
    entries = data.get("imports")
    if entries is None:
        return ()
    line, items = marks["imports"]
    where = SourceLocation(shown, line + 2)
    if not isinstance(entries, list):
        raise FrontmatterError(f"`imports` must be a list of runbooks, not {_kind(entries)}", where)
    return tuple(
        _import(entry, item + 2, shown) for entry, item in zip(entries, items, strict=True)
    )


def _import(entry: object, line: int, shown: str) -> Import:
    """A string, or madwizard's mapping form `{path, group, env}`."""
    where = SourceLocation(shown, line)
    if isinstance(entry, str) and entry.strip():
        return Import(entry.strip(), line)
    if not isinstance(entry, dict):
        raise FrontmatterError(
            f"`imports` entries must be file names or {{path, group, env}}, not {_kind(entry)}",
            where,
        )
    unknown = sorted(str(k) for k in entry if k not in ("path", "group", "env"))
    if unknown:
        raise FrontmatterError(
            f"unknown key {unknown[0]!r} in an `imports` entry (known: path, group, env)", where
        )
    path, group, env = entry.get("path"), entry.get("group"), entry.get("env") or {}
    if not isinstance(path, str) or not path.strip():
        raise FrontmatterError(
            f"an `imports` entry's `path` must be a file name, not {_kind(path)}", where
        )
    if group is not None and not isinstance(group, (str, int)):
        raise FrontmatterError(
            f"an `imports` entry's `group` must be a name, not {_kind(group)}", where
        )
    if not isinstance(env, dict) or not all(isinstance(k, str) and k.isidentifier() for k in env):
        raise FrontmatterError(
            "an `imports` entry's `env` must map variable names to values", where
        )
    pairs = tuple((k, "" if v is None else _scalar(v)) for k, v in env.items())
    return Import(path.strip(), line, None if group is None else str(group), pairs)


def _validate(data: dict[Any, Any], keys: Mapping[str, int], shown: str) -> str | None:
    value = data.get("validate")
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str) or not value.strip():
        where = SourceLocation(shown, keys.get("validate", 2))
        raise FrontmatterError(f"`validate` must be a command, not {_kind(value)}", where)
    return value.strip()


def _scalar(value: object) -> str:
    # YAML reads `true` and `3` as a boolean and a number; madwizard writes them as JavaScript does.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_RULE_KEYS = {"match", "language", "validate", "optional", "cleanup"}


def _codeblocks(data: dict[Any, Any], marks: Marks, shown: str) -> tuple[CodeBlockRule, ...]:
    rules = data.get("codeblocks")
    if rules is None:
        return ()
    line, items = marks["codeblocks"]
    if not isinstance(rules, list):
        where = SourceLocation(shown, line + 2)
        raise FrontmatterError(f"`codeblocks` must be a list of rules, not {_kind(rules)}", where)
    return tuple(
        _rule(rule, SourceLocation(shown, item + 2))
        for rule, item in zip(rules, items, strict=True)
    )


def _rule(rule: object, where: SourceLocation) -> CodeBlockRule:
    if not isinstance(rule, dict) or not isinstance(rule.get("match"), str):
        raise FrontmatterError("a `codeblocks` rule must be a mapping with a `match:` regex", where)
    unknown = sorted(str(k) for k in rule if k not in _RULE_KEYS)
    if unknown:
        known = ", ".join(sorted(_RULE_KEYS))
        raise FrontmatterError(
            f"unknown key {unknown[0]!r} in a `codeblocks` rule (known: {known})", where
        )
    try:
        re.compile(rule["match"])
    except re.error as exc:
        raise FrontmatterError(f"bad `match` regex {rule['match']!r}: {exc}", where) from None
    optional = rule.get("optional")
    if optional is not None and not isinstance(optional, bool):
        raise FrontmatterError(f"`optional` must be true or false, not {_kind(optional)}", where)
    texts = {k: rule.get(k) for k in ("language", "validate", "cleanup")}
    for key, value in texts.items():
        if value is not None and not isinstance(value, (str, bool, int)):
            raise FrontmatterError(f"`{key}` must be a string, not {_kind(value)}", where)
    language, validate, undo = (None if v is None else _scalar(v) for v in texts.values())
    return CodeBlockRule(rule["match"], where, language, validate, optional, undo)


def _kind(value: object) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "nothing"
    return names.get(type(value), f"{type(value).__name__} {value!r}")
