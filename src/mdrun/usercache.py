"""mdrun's cache directory: bashlex's tables, and parses kept between runs.

Everything kept here can be rebuilt, so every failure (no home, read-only disk, a file where the
directory should be, a damaged entry) means "no cache", never an error. A directory that another
user could write to is not used: what it holds decides what a plan says.
"""

from __future__ import annotations

import contextlib
import importlib.util
import marshal
import os
import time
import zlib
from typing import Any

MAX_ENTRIES = 4096
"""Most entries a `TextCache` holds."""
MAX_TOTAL_BYTES = 64 << 20
"""Most bytes a `TextCache` holds."""
MAX_BYTES = 1 << 20
"""Larger entries are not written: computing such a value dwarfs reading it anyway."""
STALE_TMP_S = 3600
"""A half-written entry this old belongs to a process that died while writing it."""


# Paths are strings here: pathlib (with urllib.parse and ipaddress) would cost `mdrun list`,
# which needs it nowhere else, ~5 ms at start.


def root() -> str:
    """`$XDG_CACHE_HOME/mdrun`, else `~/.cache/mdrun`."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "mdrun")


def directory(*parts: str) -> str | None:
    """`root()/PARTS`, created private (0700) if missing; None when it cannot be created, or
    when it is not owned by this user or is writable by others."""
    path = os.path.join(root(), *parts)
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.stat(path)
    except OSError:
        return None
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        return None
    return path


def read(path: str) -> bytes | None:
    """The file's bytes, or None when it cannot be read."""
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return None


def write(path: str, data: bytes) -> None:
    """Replace `path` with `data` atomically (other mdrun processes may read or fill the cache
    at the same time); nothing is written when that fails."""
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


class TextCache:
    """Values computed from a text by one installed library, one file per text.

    An entry is named by checksums of the text and holds the text itself, so a checksum
    collision is a miss, never a wrong value. Values are what `marshal` writes (plain data,
    never code that is run). Reading an entry marks it used; the first time a process adds to
    the directory, the least recently used entries are removed to bring it under `max_entries`
    and `max_bytes`.
    """

    def __init__(
        self,
        folder: str,
        stamp: str,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_TOTAL_BYTES,
    ) -> None:
        self.folder = folder
        self.stamp = stamp
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.trimmed = False

    @classmethod
    def open(cls, name: str, stamp: str | None) -> TextCache | None:
        """The cache `name` for the library `stamp` identifies; None without a usable
        directory or a stamp."""
        folder = directory(name) if stamp else None
        return cls(folder, stamp) if folder and stamp else None

    def path(self, text: str) -> str:
        """Where the entry for `text` lives."""
        data = f"{self.stamp}\0{text}".encode(errors="surrogatepass")
        name = f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"
        return os.path.join(self.folder, name)

    def get(self, text: str) -> Any:
        """The value kept for `text`, or None."""
        path = self.path(text)
        data = read(path)
        try:
            stamp, source, value = marshal.loads(data) if data else (None, None, None)
        except (ValueError, EOFError, TypeError):
            return None
        if stamp != self.stamp or source != text:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used: trimming removes the least recently used first
        return value

    def put(self, text: str, value: Any) -> None:
        """Keep `value` for `text`; does nothing when it cannot (too big, too deep, no disk)."""
        try:
            data = marshal.dumps((self.stamp, text, value))
        except ValueError:
            return
        if len(data) > MAX_BYTES:
            return
        if not self.trimmed:
            self.trimmed = True
            trim(self.folder, self.max_entries, self.max_bytes)
        write(self.path(text), data)


def stamp(package: str, files: tuple[str, ...]) -> str | None:
    """Identifies an installed package by its location and its `files`' sizes and times,
    without importing it; None when it is not installed as files."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = next(iter(spec.submodule_search_locations))
    parts = [folder]
    for name in files:
        try:
            info = os.stat(os.path.join(folder, name))
        except OSError:
            return None
        parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return " ".join(parts)


def trim(folder: str, max_entries: int, max_bytes: int) -> None:
    """When `folder` holds more than `max_entries` entries or `max_bytes` bytes, remove the least
    recently used until it holds three quarters of each (so that the next process does not trim
    again at once); also remove half-written entries left by processes that died."""
    dated: list[tuple[int, int, str]] = []
    now = time.time_ns()
    try:
        entries = [e for e in os.scandir(folder) if e.is_file(follow_symlinks=False)]
    except OSError:
        return
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
            if not entry.name.startswith("."):
                dated.append((info.st_mtime_ns, info.st_size, entry.path))
            elif now - info.st_mtime_ns > STALE_TMP_S * 10**9:
                os.unlink(entry.path)
        except OSError:  # removed by another process meanwhile
            continue
    if len(dated) <= max_entries and sum(size for _, size, _ in dated) <= max_bytes:
        return
    count, total = 0, 0
    for _, size, path in sorted(dated, reverse=True):
        if count < max_entries * 3 // 4 and total + size <= max_bytes * 3 // 4:
            count, total = count + 1, total + size
            continue
        with contextlib.suppress(OSError):
            os.unlink(path)
