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
import zlib
from typing import Any

MAX_ENTRIES = 4096
"""Entries a `TextCache` keeps after trimming."""
MAX_BYTES = 1 << 20
"""Larger entries are not written: computing such a value dwarfs reading it anyway."""


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


def write(path: str, data: bytes) -> bool:
    """Replace `path` with `data` atomically (other mdrun processes may read or fill the cache
    at the same time); False when it could not be written."""
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
        return False
    return True


class TextCache:
    """Values computed from a text by one installed library, one file per text.

    An entry is named by checksums of the text and holds the text itself, so a checksum
    collision is a miss, never a wrong value. Values are what `marshal` writes (plain data,
    never code that is run). The directory is trimmed to `max_entries`, oldest first, the first
    time a process adds to it.
    """

    def __init__(self, folder: str, stamp: str, max_entries: int = MAX_ENTRIES) -> None:
        self.folder = folder
        self.stamp = stamp
        self.max_entries = max_entries
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
        data = read(self.path(text))
        try:
            stamp, source, value = marshal.loads(data) if data else (None, None, None)
        except (ValueError, EOFError, TypeError):
            return None
        return value if stamp == self.stamp and source == text else None

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
            trim(self.folder, self.max_entries)
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


def trim(folder: str, keep: int) -> None:
    """Remove the oldest entries of `folder` until `keep` remain, less a quarter (so that the
    next process does not trim again at once)."""
    try:
        entries = [e for e in os.scandir(folder) if e.is_file() and not e.name.startswith(".")]
    except OSError:
        return
    if len(entries) <= keep:
        return
    dated = []
    for entry in entries:
        with contextlib.suppress(OSError):
            dated.append((entry.stat().st_mtime_ns, entry.path))
    dated.sort()
    for _, path in dated[: len(dated) - keep * 3 // 4]:
        with contextlib.suppress(OSError):
            os.unlink(path)
