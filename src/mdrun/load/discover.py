"""The runbooks a command line names: files as given, directories walked for `*.md`.

`mdrun check docs/ README.md` checks every `*.md` below `docs/` and `README.md`, leaving out
what an `.mdrunignore` or an `--exclude` glob names. An `.mdrunignore` holds one glob a line
(`#` starts a comment) and applies below its own directory; mdrun reads the one in each
directory from the current directory (or from the directory named, when that is elsewhere)
down to each runbook. A glob without `/` matches any one path component (`drafts`, `*.tmp.md`);
with a `/` it matches the path from the ignore file's directory (`site/build/*`); a trailing
`/` matches directories only. `--exclude` globs work the same way from the current directory.
Directories whose names start with `.` (`.git`, `.venv`) are not walked.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from typing import NamedTuple

from mdrun.errors import UsageError
from mdrun.load.sources import STDIN

IGNORE_FILE = ".mdrunignore"


class Pattern(NamedTuple):
    """One glob of an ignore file or of `--exclude`."""

    base: str
    """The absolute directory the glob is relative to."""
    glob: str
    """The glob, without its trailing `/`."""
    dirs_only: bool
    """Written with a trailing `/`: it matches directories, and so everything below them."""

    def matches(self, path: str, is_dir: bool) -> bool:
        """Whether `path` (absolute) or a directory above it, up to `base`, is named."""
        rel = os.path.relpath(path, self.base)
        if rel.startswith(".."):
            return False
        parts = rel.split(os.sep)
        anchored = "/" in self.glob
        for depth in range(1, len(parts) + 1):
            if self.dirs_only and depth == len(parts) and not is_dir:
                continue
            subject = "/".join(parts[:depth]) if anchored else parts[depth - 1]
            if fnmatch.fnmatchcase(subject, self.glob.strip("/") if anchored else self.glob):
                return True
        return False


def parse_patterns(text: str, base: str) -> list[Pattern]:
    """The globs of an ignore file's `text`, relative to `base`."""
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            out.append(Pattern(base, line.rstrip("/"), line.endswith("/")))
    return out


class Ignores:
    """The `.mdrunignore` files met so far and the `--exclude` globs."""

    def __init__(self, excludes: Sequence[str], cwd: str) -> None:
        self.cwd = cwd
        self.excludes = [p for glob in excludes for p in parse_patterns(glob, cwd)]
        self._files: dict[str, list[Pattern]] = {}

    def _patterns(self, directory: str) -> list[Pattern]:
        found = self._files.get(directory)
        if found is None:
            try:
                with open(os.path.join(directory, IGNORE_FILE), encoding="utf-8") as handle:
                    found = parse_patterns(handle.read(), directory)
            except (OSError, UnicodeDecodeError):
                found = []
            self._files[directory] = found
        return found

    def ignored(self, path: str, is_dir: bool, top: str) -> bool:
        """Whether `path` is excluded by a glob or by an ignore file from `top` down."""
        if any(p.matches(path, is_dir) for p in self.excludes):
            return True
        directory = os.path.dirname(path)
        below = top.rstrip(os.sep) + os.sep
        chain: list[str] = []
        while (directory == top or directory.startswith(below)) and directory not in chain:
            chain.append(directory)
            directory = os.path.dirname(directory)
        return any(p.matches(path, is_dir) for d in chain for p in self._patterns(d))


def runbook_paths(paths: Sequence[str], excludes: Sequence[str] = ()) -> list[str]:
    """The runbooks `paths` name, in order, each once, ignored ones left out; a path that does
    not exist, or a directory without any `*.md`, is a `UsageError`."""
    cwd = os.getcwd()
    ignores = Ignores(excludes, cwd)
    seen: set[str] = set()
    out: list[str] = []
    for given in paths:
        if given == STDIN:
            out.append(given)  # `mdrun plan -`: the runbook on standard input
            continue
        full = os.path.abspath(given)
        if not os.path.exists(full):
            raise UsageError(f"{given}: no such file or directory")
        top = cwd if full.startswith(cwd.rstrip(os.sep) + os.sep) else _top(full)
        found = _walk(given, ignores, top) if os.path.isdir(full) else [given]
        if not found:
            raise UsageError(f"{given} is a directory with no runbook (*.md) below it")
        for path in found:
            key = os.path.abspath(path)
            if key not in seen and not ignores.ignored(key, False, top):
                seen.add(key)
                out.append(path)
    return out


def _top(full: str) -> str:
    return full if os.path.isdir(full) else os.path.dirname(full)


def _walk(root: str, ignores: Ignores, top: str) -> list[str]:
    """Every `*.md` below `root`, sorted, pruning hidden and ignored directories."""
    out = []
    for directory, dirs, files in os.walk(root):
        full = os.path.abspath(directory)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and not ignores.ignored(os.path.join(full, d), True, top)
        )
        out += [os.path.normpath(os.path.join(directory, f)) for f in files if f.endswith(".md")]
    return sorted(out)
