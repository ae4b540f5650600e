"""The shell bodies of the guidebook store in `../shared/store` (madwizard guidebooks), for
tests that hold mdrun's shell reading against every real body we know of."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest

STORE = Path(__file__).resolve().parents[2].parent / "shared" / "store" / "guidebooks"
_OPENER = re.compile(r"^( *)(`{3,}|~{3,})[ \t]*(shell|bash|sh)\b[^\n]*$")
_FRONTMATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_INCLUDE = re.compile(r"^([ \t]*)--8<--.*$", re.MULTILINE)


def require_store() -> Path:
    """The store; skips the test when it is missing, but fails under `CI=true`."""
    if not STORE.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the guidebook store is missing at {STORE}")
        pytest.skip(f"the guidebook store is missing at {STORE}")
    return STORE


def fence_bodies(text: str) -> list[str]:
    """The bodies of the shell/bash/sh fences of one Markdown text, dedented by their fence's
    indentation (fences inside `=== "tab"` blocks are indented four spaces)."""
    bodies: list[str] = []
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        opener = _OPENER.match(lines[k])
        k += 1
        if opener is None:
            continue
        indent, fence = opener.group(1), opener.group(2)
        start = k
        while k < len(lines) and not _closes(lines[k], indent, fence):
            k += 1
        body = "\n".join(
            line[len(indent) :] if line.startswith(indent) else line.lstrip(" ")
            for line in lines[start:k]
        )
        bodies.append(textwrap.dedent(body) + "\n" if body.strip() else "")
        k += 1
    return [b for b in bodies if b]


def _closes(line: str, indent: str, fence: str) -> bool:
    stripped = line.strip()
    return (
        len(line) - len(line.lstrip(" ")) <= len(indent) + 3
        and stripped.startswith(fence[0] * len(fence))
        and not stripped.strip(fence[0])
    )


def as_shell(body: str) -> str:
    """A fence body as shell: a block's own `---` frontmatter (`validate:`, `exec:`) left out,
    and each `--8<--` include line (mdrun resolves them before any shell is read) replaced by
    `:`, a command that does nothing."""
    return _INCLUDE.sub(r"\1:", _FRONTMATTER.sub("", body))


def store_bodies() -> list[str]:
    """Every distinct shell body of the store (see `as_shell`), in a stable order."""
    found: dict[str, None] = {}
    for path in sorted(require_store().rglob("*.md")):
        for body in fence_bodies(path.read_text(encoding="utf-8", errors="replace")):
            shell = as_shell(body)
            if shell.strip():
                found.setdefault(shell, None)
    return list(found)
