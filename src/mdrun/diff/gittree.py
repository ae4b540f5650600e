"""A git revision's tree as a `Files`: what the loader reads for the base side of `mdrun diff`.

The tree is listed once (`git ls-tree -r`) and blobs are read on demand (`git cat-file`), so
the working tree is never consulted for a path inside the repository: a file that is only in
the working tree does not exist at the revision, a file deleted since still does. Links stored
in the tree are followed inside it. Paths outside the repository are not part of any revision
and are read from the file system, the same on both sides of the diff.
"""

from __future__ import annotations

import errno
import os
import subprocess
from typing import NamedTuple

from mdrun.errors import UsageError
from mdrun.load.files import LOCAL, Kind

_LINK, _SUBMODULE = "120000", "160000"
_MAX_LINKS = 40


def git(top: str, *args: str) -> str:
    """The output of `git ARGS` run in `top`; a failure is a `UsageError` with git's message."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=top, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
        raise UsageError(f"git {' '.join(args)}: {message}")
    return done.stdout


class Entry(NamedTuple):
    """One blob of the tree."""

    mode: str
    """Git's file mode: `100644`, `100755`, `120000` (a link), `160000` (a submodule)."""
    oid: str
    """The blob's object id."""


class GitTree:
    """The files of `commit` in the repository at `top`, read through git."""

    def __init__(self, top: str, commit: str) -> None:
        self.top = os.path.realpath(top)
        self.commit = commit
        listing = git(self.top, "ls-tree", "-r", "-z", "--full-tree", commit)
        self.entries: dict[str, Entry] = {}
        self.dirs: set[str] = {""}
        for record in filter(None, listing.split("\0")):
            info, path = record.split("\t", 1)
            mode, _, oid = info.split(" ")
            self.entries[path] = Entry(mode, oid)
            parent = os.path.dirname(path)
            while parent not in self.dirs:
                self.dirs.add(parent)
                parent = os.path.dirname(parent)
        self._blobs: dict[str, bytes] = {}

    def _relative(self, path: str) -> str | None:
        """`path` inside the repository, `top`-relative (`""` for `top`); None outside it."""
        for candidate in (os.path.abspath(path), _real_prefix(path)):
            if candidate == self.top:
                return ""
            if candidate.startswith(self.top + os.sep):
                return candidate[len(self.top) + 1 :]
        return None

    def _blob(self, oid: str) -> bytes:
        data = self._blobs.get(oid)
        if data is None:
            done = subprocess.run(
                ["git", "cat-file", "blob", oid], cwd=self.top, capture_output=True, check=False
            )
            if done.returncode != 0:
                raise OSError(errno.EIO, f"git cannot read blob {oid}")
            data = self._blobs[oid] = done.stdout
        return data

    def realpath(self, path: str) -> str:
        """`path` with the tree's links resolved; outside the repository, the file system's."""
        rel = self._relative(path)
        if rel is None:
            return LOCAL.realpath(path)
        parts, done, hops = rel.split("/") if rel else [], "", 0
        while parts:
            part = parts.pop(0)
            here = f"{done}/{part}" if done else part
            entry = self.entries.get(here)
            if entry is None or entry.mode != _LINK or hops >= _MAX_LINKS:
                done = here
                continue
            hops += 1
            target = self._blob(entry.oid).decode("utf-8", "surrogateescape")
            joined = os.path.normpath(os.path.join(self.top, done, target, *parts))
            inside = self._relative(joined) if joined.startswith(self.top) else None
            if inside is None:
                return LOCAL.realpath(joined)  # the link leaves the repository
            parts, done = (inside.split("/") if inside else []), ""
        return os.path.join(self.top, done) if done else self.top

    def kind(self, path: str) -> Kind | None:
        """What the tree holds at `path`, its last part not followed."""
        parent = self.realpath(os.path.dirname(os.path.abspath(path)))
        full = os.path.join(parent, os.path.basename(path))
        rel = self._relative(full) if parent.startswith(self.top) else None
        if rel is None:
            return LOCAL.kind(full)
        entry = self.entries.get(rel)
        if entry is not None:
            return "link" if entry.mode == _LINK else "dir" if entry.mode == _SUBMODULE else "file"
        return "dir" if rel in self.dirs else None

    def read(self, path: str) -> bytes:
        """The blob at `path`, links followed."""
        real = self.realpath(path)
        rel = self._relative(real) if real.startswith(self.top) else None
        if rel is None:
            return LOCAL.read(real)
        entry = self.entries.get(rel)
        if entry is None or entry.mode == _SUBMODULE:
            if rel in self.dirs or entry is not None:
                raise IsADirectoryError(errno.EISDIR, "Is a directory", path)
            raise FileNotFoundError(errno.ENOENT, f"No such file at {self.commit[:12]}", path)
        return self._blob(entry.oid)

    def read_regular(self, path: str) -> bytes | None:
        """The blob at `path` when it is a plain file; links and directories are errors."""
        kind = self.kind(path)
        if kind is None:
            return None
        if kind != "file":
            raise OSError(errno.ELOOP if kind == "link" else errno.EISDIR, kind, path)
        return self.read(path)


def _real_prefix(path: str) -> str:
    """`path` with the links of the working tree's existing directories resolved, so that a
    repository reached through a linked directory (`/tmp` → `/private/tmp`) is recognised."""
    return os.path.join(
        os.path.realpath(os.path.dirname(os.path.abspath(path))), os.path.basename(path)
    )
