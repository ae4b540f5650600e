"""The files a Ray job gets as its working directory, staged in a private temporary directory.

Ray zips a local `working_dir` and uploads it when the job is submitted; mdrun first copies what
should go (the block's source directory, or the runbook and the files it includes) to a staging
directory, so that the body of a block can be added as a file without touching the user's tree,
and so that what was shipped can be listed in the job's definition.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator

from mdrun.errors import UsageError
from mdrun.model import SourceLocation

MAX_BYTES = 100 * 1024 * 1024
"""The most a working directory may hold; Ray refuses packages much larger than this."""

SKIPPED = frozenset({".git", ".hg", ".svn", ".mdrun", ".venv", "venv", "__pycache__",
                     "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache"})  # fmt: skip
"""Directory names never shipped: version control, caches, virtual environments, mdrun's logs."""


def walk(root: str) -> Iterator[str]:
    """Paths below `root` (relative, `/`-separated, sorted) of the regular files to ship."""
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
        rel = os.path.relpath(top, root)
        for name in sorted(files):
            path = os.path.join(top, name)
            if os.path.isfile(path):
                yield name if rel == "." else f"{rel}/{name}".replace(os.sep, "/")


def _check_size(total: int, what: str, location: SourceLocation | None) -> None:
    if total > MAX_BYTES:
        raise UsageError(
            f"{what} holds more than {MAX_BYTES // 2**20} MiB: too much to ship to Ray "
            "(name a smaller directory with --working-dir)",
            location,
        )


def stage_directory(
    source_dir: str, extra: dict[str, str], location: SourceLocation | None = None
) -> tuple[str, tuple[str, ...]]:
    """Copy `source_dir` (what `walk` yields) to a new temporary directory and add `extra`
    (name → text); return the directory and the relative paths it holds."""
    if not os.path.isdir(source_dir):
        raise UsageError(f"exec: ray-submit: working directory {source_dir} not found", location)
    files = list(walk(source_dir))
    _check_size(sum(os.path.getsize(os.path.join(source_dir, f)) for f in files), source_dir,
                location)  # fmt: skip
    return _copy(((os.path.join(source_dir, f), f) for f in files), extra)


def stage_files(
    pairs: Iterable[tuple[str, str]], location: SourceLocation | None = None
) -> tuple[str, tuple[str, ...]]:
    """Copy each (local path, relative path) pair to a new temporary directory."""
    pairs = list(pairs)
    _check_size(sum(os.path.getsize(p) for p, _ in pairs), "the runbook's files", location)
    return _copy(pairs, {})


def _copy(pairs: Iterable[tuple[str, str]], extra: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    stage = tempfile.mkdtemp(prefix="mdrun-ray-job-")
    names: list[str] = []
    try:
        for path, rel in pairs:
            target = os.path.join(stage, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(path, target)
            names.append(rel)
        for rel, text in extra.items():
            with open(os.path.join(stage, rel), "w", encoding="utf-8") as f:
                f.write(text)
            names.append(rel)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return stage, tuple(sorted(set(names)))
