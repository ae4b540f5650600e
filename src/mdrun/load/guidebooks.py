"""Guidebook names, as madwizard's store uses them: `.md` may be left out, a directory means its
`index.md`.

`imports:` entries always resolve this way; a `--8<--` target only when the path as written
names no file (so that expansion stays byte-identical to pymdownx wherever pymdownx succeeds).
"""

from __future__ import annotations

import os

from mdrun.errors import IncludeError, OutsideRootError
from mdrun.load.files import is_directory
from mdrun.load.roots import Found, Roots
from mdrun.model import Origin, SourceLocation


def alternatives(spec: str) -> list[str]:
    """The names `spec` may stand for, in the order they are tried."""
    bare = spec.rstrip("/")
    if spec.endswith(".md"):
        return [spec]
    return [spec, f"{bare}.md", f"{bare}/index.md"]


def find_guidebook(
    roots: Roots,
    spec: str,
    including: str | None,
    where: SourceLocation,
    chain: Origin,
    beside_first: bool = False,
) -> Found:
    """The file `spec` names: as written, else `spec.md`, else `spec/index.md`; for `../x` not
    found so, `x` beside the including file or above it.

    A refusal (outside every root) is raised in preference to "not found", which lists the
    names tried.
    """
    names = alternatives(spec)
    refusal: OutsideRootError | None = None
    directory = False
    for name in names:
        try:
            found = roots.find(name, including, where, chain, beside_first)
        except OutsideRootError as exc:
            refusal = refusal or exc
            continue
        except IncludeError:
            continue
        if not is_directory(roots.files, found.path):
            return found
        directory = True
    if including is not None and spec.startswith("../"):
        above = _above(roots, spec, including)
        if above is not None:
            return above
    if refusal is not None:
        raise refusal
    if directory:
        raise IncludeError(f"{spec!r} is a directory with no index.md", where, chain)
    searched = ", ".join(roots.shown_bases()) or "no base path"
    raise IncludeError(
        f"{spec!r} not found (tried {', '.join(names)}; searched {searched})", where, chain
    )


def _above(roots: Roots, spec: str, including: str) -> Found | None:
    """madwizard's looser `../`: the rest of the path in the including file's directory or any
    directory above it, nearest first, inside the roots (the store's guidebooks rely on it)."""
    tail = spec
    while tail.startswith("../"):
        tail = tail[3:]
    here = os.path.dirname(os.path.abspath(including))
    while True:
        for name in alternatives(tail):
            found = roots.allowed(os.path.normpath(os.path.join(here, name)))
            if found is not None and not is_directory(roots.files, found.path):
                return found
        parent = os.path.dirname(here)
        if parent == here or not roots.named_inside(_with_sep(parent), None):
            return None
        here = parent


def _with_sep(directory: str) -> str:
    return directory if directory.endswith(os.sep) else directory + os.sep
