"""Where the loader reads files from: the working tree by default, any other tree on request.

Every question the loader asks about a path (what is there, where a link leads, its bytes)
goes through a `Files`, so one expansion can read the working tree (`LOCAL`) and another the
tree of a git revision (`mdrun.diff.gittree.GitTree`) with the same search rules, root checks
and error messages. Paths are absolute, as the working tree spells them, on both.
"""

from __future__ import annotations

import os
import stat
from typing import Literal, Protocol

Kind = Literal["file", "dir", "link"]
"""What a path names, links not followed."""

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
_NO_FOLLOW = _OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0)
_CHUNK = 65536


class Files(Protocol):
    """A tree of files the loader can read: existence, kinds, links and contents."""

    def kind(self, path: str) -> Kind | None:
        """What `path` is, its last part not followed if a link; None when nothing is there."""
        ...

    def realpath(self, path: str) -> str:
        """`path` with every link resolved (missing parts kept as they are)."""
        ...

    def read(self, path: str) -> bytes:
        """The bytes of the file at `path`, links followed; `OSError` (`IsADirectoryError`,
        `FileNotFoundError`…) when it cannot be read."""
        ...

    def read_regular(self, path: str) -> bytes | None:
        """The bytes of the regular file at `path`, links not followed; None when nothing is
        there; `OSError` for anything else (a link, a directory, unreadable)."""
        ...


def is_directory(files: Files, path: str) -> bool:
    """Whether `path` is a directory in `files`, links followed."""
    return files.kind(files.realpath(path)) == "dir"


def exists(files: Files, path: str) -> bool:
    """Whether `path` names anything in `files`, links followed."""
    return files.kind(files.realpath(path)) is not None


class LocalFiles:
    """The file system as it is now (the working tree)."""

    def kind(self, path: str) -> Kind | None:
        """What `path` is, from `lstat`."""
        try:
            mode = os.lstat(path).st_mode
        except (OSError, ValueError):
            return None
        if stat.S_ISLNK(mode):
            return "link"
        return "dir" if stat.S_ISDIR(mode) else "file"

    def realpath(self, path: str) -> str:
        """`os.path.realpath`."""
        return os.path.realpath(path)

    def read(self, path: str) -> bytes:
        """The whole file, in as few reads as its size allows."""
        fd = os.open(path, _OPEN_FLAGS)
        try:
            return read_all(fd)
        finally:
            os.close(fd)

    def read_regular(self, path: str) -> bytes | None:
        """One `open` with O_NOFOLLOW: a link fails to open and goes to the caller's search."""
        try:
            fd = os.open(path, _NO_FOLLOW)
        except (FileNotFoundError, NotADirectoryError):
            return None
        try:
            return read_all(fd)
        finally:
            os.close(fd)


def read_all(fd: int) -> bytes:
    """Everything left in `fd`; a regular file reads short only at its end, so most files take
    one read."""
    data = os.read(fd, _CHUNK)
    if len(data) < _CHUNK:
        return data
    chunks = [data]
    while chunk := os.read(fd, _CHUNK):
        chunks.append(chunk)
    return b"".join(chunks)


class CachedFiles:
    """Another `Files`, each answer kept: for one command over many runbooks (`mdrun check
    DIR`), which import the same guidebooks again and again, while the tree does not change.
    Errors are not kept."""

    def __init__(self, files: Files) -> None:
        self.files = files
        self._kinds: dict[str, Kind | None] = {}
        self._real: dict[str, str] = {}
        self._data: dict[str, bytes] = {}

    def kind(self, path: str) -> Kind | None:
        """The inner tree's answer, asked once per path."""
        if path not in self._kinds:
            self._kinds[path] = self.files.kind(path)
        return self._kinds[path]

    def realpath(self, path: str) -> str:
        """The inner tree's answer, asked once per path."""
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = self.files.realpath(path)
        return real

    def read(self, path: str) -> bytes:
        """The inner tree's bytes, read once per path."""
        data = self._data.get(path)
        if data is None:
            data = self._data[path] = self.files.read(path)
        return data

    def read_regular(self, path: str) -> bytes | None:
        """The inner tree's bytes for a plain file, read once per path."""
        if self.kind(path) != "file":
            return self.files.read_regular(path)  # None, or the error it raises
        return self.read(path)


LOCAL: Files = LocalFiles()
"""The working tree: what every command but `mdrun diff`'s base side reads."""
