"""Parses kept between runs: markdown-it's fences of a document, bashlex's tree of a shell text.

A reviewer plans the same runbook again and again, and parsing is most of what `mdrun plan`
does: importing markdown-it-py (~40 ms) and bashlex (~20 ms), then ~3 ms per block in bashlex,
all in pure Python. Both parses are functions of the text and the installed library alone, so
each is kept in a `usercache.TextCache` tied to that library's files; an unchanged runbook is
planned without importing either.

The command line turns this on (`enable()`); the library alone never touches the disk.
`MDRUN_PARSE_CACHE=off` turns it off.

bashlex trees are written as plain dicts (one per node, the same dict for a node met twice,
which marshal writes once) and read back as `CachedNode`s: attribute bags like bashlex's nodes,
with the same `repr`. What bashlex rejects is kept as its message.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

from mdrun.usercache import TextCache, stamp

FORMAT = 1
"""Bumped whenever what an entry holds changes meaning."""

ShellResult = Sequence[Any] | str
"""bashlex's top-level nodes, or the message of the error it raised."""


class Caches(NamedTuple):
    """The caches in use (None: parse every time)."""

    markdown: TextCache | None = None
    """Fences by document text."""
    shell: TextCache | None = None
    """bashlex trees by shell text."""


_active = Caches()


def enable() -> None:
    """Use the user's caches from now on (unless `MDRUN_PARSE_CACHE=off`)."""
    global _active  # set once by the command line, read by markdown and shellast
    if os.environ.get("MDRUN_PARSE_CACHE", "").lower() in ("0", "off", "no", "false"):
        return
    files = ("__init__.py", "main.py", "parser_block.py", "rules_block/fence.py")
    _active = Caches(
        TextCache.open(f"markdown-{FORMAT}", stamp("markdown_it", files)),
        TextCache.open(f"shell-{FORMAT}", stamp("bashlex", ("parser.py", "tokenizer.py"))),
    )


def active() -> Caches:
    """The caches `enable` opened."""
    return _active


class CachedNode:
    """A bashlex node read back from the cache: its fields are plain attributes."""

    kind: str

    def __repr__(self) -> str:
        fields = dict(self.__dict__)
        kind = fields.pop("kind")
        shown = " ".join(f"{k}={v!r}" for k, v in sorted(fields.items()))
        return f"{kind.title()}Node({shown})"


def get_shell(cache: TextCache, text: str) -> ShellResult | None:
    """What bashlex made of `text`, or None when it is not kept (or the entry is bad)."""
    value = cache.get(text)
    if value is None or isinstance(value, str):
        return value
    try:
        return decode(value)
    except (TypeError, RecursionError):
        return None


def put_shell(cache: TextCache, text: str, result: ShellResult) -> None:
    """Keep bashlex's `result` for `text`, when it is plain enough to keep."""
    try:
        cache.put(text, result if isinstance(result, str) else encode(result))
    except (TypeError, RecursionError):  # an odd node, a cycle, deep nesting
        return


def encode(nodes: Sequence[Any]) -> list[Any]:
    """bashlex nodes as marshal-able data; raises `TypeError` on anything unexpected."""
    memo: dict[int, dict[str, Any]] = {}
    return [_encode(node, memo, set()) for node in nodes]


def _encode(value: Any, memo: dict[int, dict[str, Any]], active: set[int]) -> Any:
    if isinstance(value, str | int | type(None)):  # bool is an int
        return value
    if isinstance(value, list):
        return [_encode(v, memo, active) for v in value]
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return value
    fields = getattr(value, "__dict__", None)
    if not isinstance(fields, dict) or not isinstance(fields.get("kind"), str):
        raise TypeError(f"cannot keep {type(value).__name__}")
    key = id(value)
    if key in memo:
        return memo[key]
    if key in active:
        raise TypeError("cyclic tree")
    active.add(key)
    memo[key] = {name: _encode(v, memo, active) for name, v in fields.items()}
    active.discard(key)
    return memo[key]


def decode(tree: Any) -> list[Any]:
    """`encode`'s data back as `CachedNode`s, sharing kept; raises `TypeError` on anything else."""
    if not isinstance(tree, list):
        raise TypeError("not a node list")
    memo: dict[int, CachedNode] = {}
    return [_decode(item, memo) for item in tree]


def _decode(value: Any, memo: dict[int, CachedNode]) -> Any:
    if isinstance(value, dict):
        node = memo.get(id(value))
        if node is None:
            if not isinstance(value.get("kind"), str) or not all(isinstance(k, str) for k in value):
                raise TypeError("not a node")
            node = CachedNode()
            node.__dict__.update({k: _decode(v, memo) for k, v in value.items()})
            memo[id(value)] = node
        return node
    if isinstance(value, list):
        return [_decode(v, memo) for v in value]
    if isinstance(value, str | int | type(None)):
        return value
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return value
    raise TypeError(f"unexpected {type(value).__name__} in a kept tree")
