"""Session-wide test setup."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_CACHE: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Keep mdrun's user directories out of the developer's home: every mdrun the tests start,
    in process or not, uses one fresh cache and config directory for the session."""
    _CACHE.append(tempfile.mkdtemp(prefix="mdrun-test-home-"))
    os.environ["XDG_CACHE_HOME"] = os.path.join(_CACHE[0], "cache")
    os.environ["XDG_CONFIG_HOME"] = os.path.join(_CACHE[0], "config")


def pytest_unconfigure(config: pytest.Config) -> None:
    for path in _CACHE:
        shutil.rmtree(path, ignore_errors=True)
