"""Finding and reading the files a runbook pulls in: roots, path checks, decoding, caching.

Only this module (for includes and imports) and the loader touch the file system; URLs are
fetched by `mdrun.urls`, and only when the user allowed it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from mdrun.errors import IncludeError
from mdrun.model import LoadOptions, Origin, SourceLocation

_new_location = object.__new__
_set_path = vars(SourceLocation)["path"].__set__
_set_line = vars(SourceLocation)["line"].__set__


def locations(path: str, first: int, count: int) -> list[SourceLocation]:
    """`count` consecutive locations in `path` starting at line `first`.

    Built through the slot descriptors: the frozen dataclass `__init__` costs twice as much, and
    expansion makes one location per line of every file it reads.
    """
    out = []
    for line in range(first, first + count):
        loc = _new_location(SourceLocation)
        _set_path(loc, path)
        _set_line(loc, line)
        out.append(loc)
    return out


def display_path(path: str, cwd: str | None = None) -> str:
    """`path` relative to the working directory when it is below it, else absolute."""
    full = os.path.abspath(path)
    here = cwd or os.getcwd()
    if full.startswith(here.rstrip(os.sep) + os.sep):
        return os.path.relpath(full, here)
    return full


def decode(data: bytes, shown: str, chain: Origin = ()) -> str:
    """UTF-8 text with a BOM dropped and CRLF/CR turned into LF; NUL and bad bytes are errors."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IncludeError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})", SourceLocation(shown, line), chain
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise IncludeError("NUL byte in text file", SourceLocation(shown, line), chain)
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        # Same as reading in text mode, which is how pymdownx.snippets reads its files.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


@dataclass(slots=True)
class Source:
    """One file (or URL) read once per expansion, its lines and their locations."""

    key: str
    """Identity for cycle checks: the real path, or the URL."""
    shown: str
    """How locations in it are printed."""
    lines: list[str]
    """Its text split on newlines (an empty file has no lines)."""
    is_url: bool = False
    """Fetched over https; its own local includes are ignored, as pymdownx does."""
    _locs: list[SourceLocation] | None = field(default=None, repr=False)

    @property
    def locs(self) -> list[SourceLocation]:
        """One location per line, made on first use."""
        if self._locs is None:
            self._locs = locations(self.shown, 1, len(self.lines))
        return self._locs


def default_base_paths(runbook: str) -> tuple[str, ...]:
    """The runbook's directory, then the first `snippets/` directory beside or above it."""
    here = os.path.dirname(os.path.abspath(runbook))
    bases = [here]
    probe = here
    while True:
        candidate = os.path.join(probe, "snippets")
        if os.path.isdir(candidate):
            bases.append(candidate)
            break
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    return tuple(bases)


class Roots:
    """Where includes may come from, and the checks that keep them there."""

    def __init__(self, runbook: str, options: LoadOptions) -> None:
        given = options.base_paths or default_base_paths(runbook)
        self.cwd = os.getcwd()
        self.allow_outside = options.allow_outside_root
        # Bases that do not exist are skipped, as pymdownx does; a file base admits only itself.
        self.bases = [(os.path.abspath(b), os.path.isdir(b)) for b in given if os.path.exists(b)]
        own = os.path.dirname(os.path.abspath(runbook))
        self.dirs = [own, *(b for b, is_dir in self.bases if is_dir)]
        self.real_dirs = [_with_sep(os.path.realpath(d)) for d in self.dirs]
        self.file_bases = {b for b, is_dir in self.bases if not is_dir}
        self._real_parent: dict[str, str] = {}

    def real(self, path: str) -> str:
        """The real path of an existing `path`, with one lstat when it is not a link."""
        parent, name = os.path.split(path)
        real_parent = self._real_parent.get(parent)
        if real_parent is None:
            real_parent = self._real_parent[parent] = os.path.realpath(parent)
        if stat.S_ISLNK(os.lstat(path).st_mode):
            real = os.path.realpath(path)
            if not os.path.exists(real):
                raise FileNotFoundError(path)
            return real
        return os.path.join(real_parent, name)

    def inside(self, real: str, candidate: str, base: str | None) -> bool:
        """Whether `candidate` stays in `base` (or any root) by name and by real path."""
        if base in self.file_bases:
            return True  # a base path naming a file admits that file, wherever it is
        if base is not None and not candidate.startswith(_with_sep(base)):
            return False
        if base is None and not any(candidate.startswith(_with_sep(d)) for d in self.dirs):
            return False
        return any(real.startswith(d) for d in self.real_dirs)

    def candidates(
        self, path: str, including: str | None, beside_first: bool = False
    ) -> list[tuple[str, str | None]]:
        """Where `path` may be, in search order, each with the base it must stay in.

        `./x` and `../x` (or any path, with `beside_first`) are tried beside the including file
        first (guidebooks rely on it); then against each base path in order, as pymdownx does.
        """
        out: list[tuple[str, str | None]] = []
        if including is not None and (beside_first or path.startswith(("./", "../"))):
            here = os.path.dirname(including)
            out.append((os.path.normpath(os.path.join(here, path)), None))
        for base, is_dir in self.bases:
            if is_dir:
                out.append((os.path.normpath(os.path.join(base, path)), base))
            else:
                near = os.path.normpath(os.path.join(os.path.dirname(base), path))
                if os.path.exists(near) and os.path.samefile(near, base):
                    out.append((near, base))
        return out

    def find(
        self,
        path: str,
        including: str | None,
        location: SourceLocation,
        chain: Origin,
        beside_first: bool = False,
    ) -> tuple[str, str]:
        """The first allowed existing file for `path`, as (path, real path); else an error."""
        refused: tuple[str, str] | None = None
        for candidate, base in self.candidates(path, including, beside_first):
            try:
                real = self.real(candidate)
            except OSError:
                continue
            if self.inside(real, candidate, base):
                return candidate, real
            refused = refused or (candidate, real)
        if refused is not None and self.allow_outside:
            return refused
        if refused is not None:
            shown = display_path(refused[0], self.cwd)
            raise IncludeError(
                f"{path!r} resolves to {shown}, outside the runbook's directory and base paths "
                "(use --allow-outside-root to permit it)",
                location,
                chain,
            )
        where = ", ".join(display_path(b, self.cwd) for b, _ in self.bases) or "no base path"
        raise IncludeError(f"{path!r} not found (searched {where})", location, chain)


def _with_sep(directory: str) -> str:
    return directory if directory.endswith(os.sep) else directory + os.sep


def read_source(path: str, key: str, shown: str, location: SourceLocation, chain: Origin) -> Source:
    """Read and decode `path`; errors name the marker at `location` and its include chain."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError:
        raise IncludeError(f"{shown} is a directory, not a file", location, chain) from None
    except OSError as exc:
        raise IncludeError(f"cannot read {shown}: {exc.strerror}", location, chain) from None
    text = decode(data, shown, (*chain, location))
    return Source(key, shown, text.split("\n") if text else [])
