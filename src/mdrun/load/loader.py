"""Runbook file → `Document`: frontmatter, `imports:`, then the body's `--8<--` includes.

This and `mdrun.load.sources` are the only modules that read runbook files.
"""

from __future__ import annotations

import os

from mdrun.errors import IncludeError, OutsideRootError, UsageError
from mdrun.load.frontmatter import NONE, Frontmatter, split_frontmatter
from mdrun.load.includes import Expander
from mdrun.load.origins import Origins
from mdrun.load.sources import Source, decode, display_path
from mdrun.model import Document, LoadOptions, Origin, SourceLocation


def load_document(path: str, options: LoadOptions) -> Document:
    """Read the runbook at `path` and resolve its imports and includes."""
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory, not a runbook")
    expander = Expander(path, options)
    head = _load_into(expander, path, ())
    if not expander.lines:
        # Everything expanded to nothing: "" is still one (empty) line, and it needs an origin.
        expander.runs.append(((), display_path(path, expander.roots.cwd), (1,)))
    return Document(
        path=path,
        text="\n".join(expander.lines),
        origins=Origins(expander.runs),
        frontmatter=head.data,
    )


def _read(path: str, shown: str, chain: Origin) -> str:
    where = chain[-1] if chain else None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError:
        raise IncludeError(f"{shown} is a directory, not a runbook", where, chain[:-1]) from None
    except OSError as exc:
        raise UsageError(f"cannot read {shown}: {exc.strerror}", where, chain[:-1]) from None
    if not data:
        raise UsageError("empty runbook", SourceLocation(shown, 1), chain)
    return decode(data, shown, chain)


def _load_into(expander: Expander, path: str, chain: Origin) -> Frontmatter:
    """Append the runbook at `path` (imports first) to the expander's output."""
    shown = display_path(path, expander.roots.cwd)
    lines = _read(path, shown, chain).split("\n")
    head = split_frontmatter(lines, shown) if lines[0].startswith("---") else NONE
    key = os.path.realpath(path)
    expander.enter(key, chain)
    try:
        for spec, line in head.imports:
            _import(expander, spec, path, (*chain, SourceLocation(shown, line)))
    finally:
        expander.active.pop()
    body = Source(key, shown, lines[head.body_start :])
    expander.expand(body, path, chain, first_line=head.body_start + 1)
    return head


def _import(expander: Expander, spec: str, including: str, chain: Origin) -> None:
    found = _find_import(expander, spec, including, chain)
    if found.endswith(".sh"):
        _shell_block(expander, found, chain)
    else:
        _load_into(expander, found, chain)


def _find_import(expander: Expander, spec: str, including: str, chain: Origin) -> str:
    """The file an `imports:` entry names: beside the runbook first, `.md` optional."""
    names = [spec] if spec.endswith((".md", ".sh")) else [spec, spec + ".md"]
    where, outer = chain[-1], chain[:-1]
    error = IncludeError(f"import {spec!r} not found (tried {', '.join(names)})", where, outer)
    for name in names:
        try:
            found = expander.roots.find(name, including, where, outer, True).path
        except OutsideRootError as exc:
            error = exc  # a refusal says more than "not found"
            continue
        except IncludeError:
            continue
        if not os.path.isdir(found):
            return found
        error = IncludeError(f"import {spec!r} is a directory, not a runbook", where, outer)
    raise error


def _shell_block(expander: Expander, path: str, chain: Origin) -> None:
    """An imported script becomes one ```shell fence whose lines point at the script."""
    shown = display_path(path, expander.roots.cwd)
    expander.enter(os.path.realpath(path), chain)
    expander.active.pop()
    lines = _read(path, shown, chain).split("\n") if os.path.getsize(path) else [""]
    if lines[-1] == "":
        lines.pop()
    # A fence longer than any backtick run in the script, so the script cannot close it.
    longest = max((len(ln) - len(ln.lstrip("`")) for ln in lines), default=0)
    fence = "`" * max(3, longest + 1)
    expander.lines += [f"{fence}shell", *lines, fence]
    # The fences point at the script's first and last lines.
    expander.runs.append((chain, shown, [1, *range(1, len(lines) + 1), max(len(lines), 1)]))
