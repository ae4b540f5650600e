"""Where includes and imports may come from, and reading them: base paths, root checks.

Files are read through a `mdrun.load.files.Files` (the working tree, or a git revision for
`mdrun diff`); URLs are fetched by `mdrun.load.urls`, and only when the user allowed it.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from mdrun.errors import IncludeError, OutsideRootError
from mdrun.load.files import LOCAL, Files, exists, is_directory
from mdrun.load.sources import Source, decode, display_path
from mdrun.model import LoadOptions, Origin, SourceLocation


def default_base_paths(runbook: str, files: Files = LOCAL) -> tuple[str, ...]:
    """The runbook's directory, then the first `snippets/` directory beside or above it."""
    here = os.path.dirname(os.path.abspath(runbook))
    bases = [here]
    probe = here
    while True:
        candidate = os.path.join(probe, "snippets")
        if is_directory(files, candidate):
            bases.append(candidate)
            break
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    return tuple(bases)


class Found(NamedTuple):
    """An include's file, once found and allowed."""

    path: str
    """Absolute, normalised, symlinks kept: what the user named."""
    real: str
    """Symlinks resolved: the file's identity for caching and cycle checks."""
    shown: str
    """How it is printed."""


class Roots:
    """Where includes may come from, and the checks that keep them there."""

    def __init__(self, runbook: str, options: LoadOptions, files: Files = LOCAL) -> None:
        self.files = files
        """Where every file is looked up and read."""
        # `--store` roots come first: guidebooks name each other from the store's root.
        given = (*options.stores, *(options.base_paths or default_base_paths(runbook, files)))
        self.cwd = os.getcwd()
        self.allow_outside = options.allow_outside_root
        # Bases that do not exist are skipped, as pymdownx does; a file base admits only itself.
        absolute = [os.path.abspath(b) for b in given]
        self.bases = [(b, is_directory(files, b)) for b in absolute if exists(files, b)]
        own = os.path.dirname(os.path.abspath(runbook))
        self.dirs = [own, *(b for b, is_dir in self.bases if is_dir)]
        self.real_dirs = [_with_sep(files.realpath(d)) for d in self.dirs]
        self.file_bases = {b for b, is_dir in self.bases if not is_dir}
        stores = [os.path.abspath(s) for s in options.stores]
        self.stores = [s for s in stores if is_directory(files, s)]
        self._parents: dict[str, tuple[str, str, bool]] = {}

    def _parent(self, parent: str) -> tuple[str, str, bool]:
        """(real path, shown path, inside a root for real) of a directory, cached."""
        info = self._parents.get(parent)
        if info is None:
            real = self.files.realpath(parent)
            inside = any(_with_sep(real).startswith(d) for d in self.real_dirs)
            info = self._parents[parent] = (real, display_path(parent, self.cwd), inside)
        return info

    def probe(self, candidate: str) -> tuple[Found, bool] | None:
        """The file at `candidate` if it exists, and whether its real path is inside a root."""
        parent, name = os.path.split(candidate)
        kind = self.files.kind(candidate)
        if kind is None:
            return None
        real_parent, shown_parent, inside = self._parent(parent)
        shown = os.path.join(shown_parent, name) if shown_parent != "." else name
        if kind != "link":
            return Found(candidate, os.path.join(real_parent, name), shown), inside
        real = self.files.realpath(candidate)
        if self.files.kind(real) is None:
            return None
        inside = any(real.startswith(d) for d in self.real_dirs)
        return Found(candidate, real, shown), inside

    def open_plain(self, path: str) -> tuple[Found, bytes] | None:
        """The common case in few system calls: a relative path without `.`, `..` or empty
        parts, naming a regular file (not a link) in a directory inside a root.

        None sends anything else (links, directories, unreadable files, file bases) to `find`,
        which decides and explains.
        """
        if not _is_plain(path):
            return None
        for base, is_dir in self.bases:
            if not is_dir:
                return None
            candidate = f"{base}{os.sep}{path}"
            try:
                data = self.files.read_regular(candidate)
            except OSError:
                return None
            if data is None:
                continue
            parent, _, name = candidate.rpartition(os.sep)
            real_parent, shown_parent, inside = self._parents.get(parent) or self._parent(parent)
            if not inside:
                return None
            shown = name if shown_parent == "." else f"{shown_parent}{os.sep}{name}"
            return Found(candidate, f"{real_parent}{os.sep}{name}", shown), data
        return None

    def named_inside(self, candidate: str, base: str | None) -> bool:
        """Whether `candidate` stays in `base` (or any root when None) by name."""
        if base in self.file_bases:
            return True  # a base path naming a file admits that file, wherever it is
        if any(candidate.startswith(_with_sep(s)) for s in self.stores):
            return True  # a store is one root: its guidebooks reach each other with `../`
        if base is not None:
            return candidate.startswith(_with_sep(base))
        return any(candidate.startswith(_with_sep(d)) for d in self.dirs)

    def candidates(
        self, path: str, including: str | None, beside_first: bool = False
    ) -> list[tuple[str, str | None]]:
        """Where `path` may be, in search order, each with the base it must stay in.

        `./x` and `../x` (or any path, with `beside_first`) are tried beside the including file
        first (guidebooks rely on it); then against each base path in order, as pymdownx does.
        """
        out: list[tuple[str, str | None]] = []
        if including is not None and (beside_first or path.startswith(("./", "../"))):
            here = os.path.dirname(os.path.abspath(including))
            out.append((os.path.normpath(os.path.join(here, path)), None))
        plain = _is_plain(path)
        for base, is_dir in self.bases:
            if is_dir:
                # A plain relative path needs no normalising: the common case, made cheap.
                joined = f"{base}{os.sep}{path}" if plain else os.path.join(base, path)
                out.append((joined if plain else os.path.normpath(joined), base))
            else:
                near = os.path.normpath(os.path.join(os.path.dirname(base), path))
                real = self.files.realpath
                if exists(self.files, near) and real(near) == real(base):
                    out.append((near, base))
        return out

    def find(
        self,
        path: str,
        including: str | None,
        location: SourceLocation,
        chain: Origin,
        beside_first: bool = False,
    ) -> Found:
        """The first allowed existing file for `path`; else an error."""
        refused: Found | None = None
        for candidate, base in self.candidates(path, including, beside_first):
            probed = self.probe(candidate)
            if probed is None:
                continue
            found, real_inside = probed
            if real_inside and self.named_inside(candidate, base):
                return found
            refused = refused or found
        if refused is not None and self.allow_outside:
            return refused
        if refused is not None:
            raise OutsideRootError(
                # The real path: for a symlink, the shown one is the link itself.
                f"{path!r} resolves to {display_path(refused.real, self.cwd)}, outside the "
                "runbook's directory and "
                "base paths (use --allow-outside-root to permit it)",
                location,
                chain,
            )
        where = ", ".join(self.shown_bases()) or "no base path"
        raise IncludeError(f"{path!r} not found (searched {where})", location, chain)

    def allowed(self, candidate: str) -> Found | None:
        """The file at the absolute `candidate` when it exists and lies inside a root."""
        probed = self.probe(candidate)
        if probed is None or not probed[1] or not self.named_inside(candidate, None):
            return None
        return probed[0]

    def shown_bases(self) -> list[str]:
        """The base paths (stores first) as users see them."""
        return [display_path(b, self.cwd) for b, _ in self.bases]


_SPECIAL_SEGMENTS = frozenset(("", ".", ".."))


def _is_plain(path: str) -> bool:
    """Whether `path` is relative, without `.`, `..` or empty segments: one that needs no
    normalising and no checks beyond its directory's."""
    return _SPECIAL_SEGMENTS.isdisjoint(path.split("/"))


def _with_sep(directory: str) -> str:
    return directory if directory.endswith(os.sep) else directory + os.sep


def read_source(
    found: Found, location: SourceLocation, chain: Origin, files: Files = LOCAL
) -> Source:
    """Read and decode a found file; errors name the marker at `location` and its chain."""
    try:
        data = files.read(found.path)
    except IsADirectoryError:
        raise IncludeError(f"{found.shown} is a directory, not a file", location, chain) from None
    except OSError as exc:
        raise IncludeError(f"cannot read {found.shown}: {exc.strerror}", location, chain) from None
    return make_source(found, data, location, chain)


def make_source(found: Found, data: bytes, location: SourceLocation, chain: Origin) -> Source:
    """A `Source` from a found file's bytes."""
    text = decode(data, found.shown, chain, location)
    lines = text.split("\n") if text else []
    return Source(found.real, found.shown, lines, marked="8<" in text or ":import{" in text)
