"""Session-wide test setup."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_CACHE: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Keep mdrun's cache (bashlex tables, parses) out of the developer's home: every mdrun the
    tests start, in process or not, uses one fresh directory for the session."""
    _CACHE.append(tempfile.mkdtemp(prefix="mdrun-test-cache-"))
    os.environ["XDG_CACHE_HOME"] = _CACHE[0]


def pytest_unconfigure(config: pytest.Config) -> None:
    for path in _CACHE:
        shutil.rmtree(path, ignore_errors=True)
