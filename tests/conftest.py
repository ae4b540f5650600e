"""What the tests share: a runbook tree from a dict, an mdrun command-line run, one block
builder, the `../shared` material, and a private home for every mdrun the tests start.

The helpers are plain functions, so that modules outside a test (plan builders, the bad-input
table) can import them from `tests.conftest`; the fixtures bind them to the test's `tmp_path`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from mdrun.model import Block, BlockOptions, Origin, SourceLocation

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
"""The shared read-only material beside the checkout (seed, store, fixtures)."""

_HOME: list[str] = []

PYMDOWNX_NEEDS = "pymdown-extensions 13 (the --8<-- oracle) needs Python >= 3.11.5"


def require_pymdownx(module: bool = False) -> None:
    """Skip (fail under CI=true) the test, or the whole `module`, where the oracle mdrun's
    `--8<--` expansion is held to is not installed: pip leaves pymdown-extensions out on
    Pythons it does not support (Debian 12's 3.11.2)."""
    if importlib.util.find_spec("pymdownx") is not None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"pymdownx is missing, and CI=true needs it ({PYMDOWNX_NEEDS})")
    why = f"pymdownx is not installed: {PYMDOWNX_NEEDS}, this is {sys.version.split()[0]}"
    pytest.skip(why, allow_module_level=module)


def snippets_markdown(configs: Mapping[str, object]) -> Any:
    """Python-Markdown with pymdownx.snippets configured with `configs` (see require_pymdownx)."""
    require_pymdownx()
    import markdown

    return markdown.Markdown(
        extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": dict(configs)}
    )


def pytest_configure(config: pytest.Config) -> None:
    """Keep mdrun's user directories out of the developer's home: every mdrun the tests start,
    in process or not, uses one fresh cache and config directory for the session."""
    config.addinivalue_line(
        "markers",
        "shared(*parts): needs ../shared/PARTS; skipped when it is missing, failed under CI=true",
    )
    _HOME.append(tempfile.mkdtemp(prefix="mdrun-test-home-"))
    os.environ["XDG_CACHE_HOME"] = os.path.join(_HOME[0], "cache")
    os.environ["XDG_CONFIG_HOME"] = os.path.join(_HOME[0], "config")


def pytest_unconfigure(config: pytest.Config) -> None:
    for path in _HOME:
        shutil.rmtree(path, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked `shared(...)` need that part of `../shared`: without it they fail when
    `CI=true` (a CI run must not pass by skipping them) and are skipped otherwise."""
    for mark in item.iter_markers("shared"):
        path = SHARED.joinpath(*mark.args)
        if path.exists():
            continue
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing, and CI=true needs it", pytrace=False)
        pytest.skip(f"{path} is missing")


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write `files` (relative path -> text or bytes) under `root`, creating folders; text is
    written as UTF-8, unchanged. Returns the path of the first file (`root` when none)."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root / next(iter(files), "")


def run_mdrun(
    *args: str,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    check: bool = False,
    **popen: Any,
) -> subprocess.CompletedProcess[str]:
    """`python -m mdrun ARGS` in a child process, as a user runs it; its output as text. `env`
    is the whole environment (default: this one with NO_COLOR=1); `check` raises on a non-zero
    exit; further keyword arguments go to `subprocess.run`."""
    return subprocess.run(
        [sys.executable, "-m", "mdrun", *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"} if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
        **popen,
    )


def make_block(
    index: int,
    body: str,
    name: str | None = None,
    path: str = "rb.md",
    line: int = 10,
    *,
    origin: Origin | None = None,
    language: str = "shell",
    **options: Any,
) -> Block:
    """Block `index` as the loader makes it: fenced at `origin` (default `path:line`), its body
    lines following the fence in the innermost file; `name` defaults to `b<index>` and the
    keyword `options` are `BlockOptions` fields."""
    fence = origin or (SourceLocation(path, line),)
    *outer, inner = fence
    count = len(body.removesuffix("\n").split("\n")) if body else 0
    lines = tuple((*outer, SourceLocation(inner.path, inner.line + 1 + i)) for i in range(count))
    name = f"b{index}" if name is None else name
    return Block(index, name, language, body, BlockOptions(**options), fence, lines)


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    """`tree({"rb.md": ..., "snippets/x.md": ...})`: the files written under `tmp_path`; returns
    the first one's path."""
    return lambda files: write_tree(tmp_path, files)


@pytest.fixture
def mdrun(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`mdrun("plan", "rb.md")`: `run_mdrun` with `tmp_path` as the working directory unless
    `cwd=` says otherwise."""

    def run(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        kwargs.setdefault("cwd", tmp_path)
        return run_mdrun(*args, **kwargs)

    return run


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    """A real two-node Ray cluster on loopback (tests/helpers/raycluster.py), started once for
    a module's Ray tests and stopped after them; teardown fails if any of its processes
    outlived it. Module-scoped, not session-scoped: it is gone before tests/test_runbooks_e2e.py
    starts its own head (and runs `ray stop`, which would stop this one too, hiding leftovers)."""
    import importlib.util

    from tests.helpers import raycluster

    if importlib.util.find_spec("ray") is None or not (raycluster.BIN / "ray").exists():
        pytest.skip("Ray is not installed beside this Python (pip install -e '.[ray]')")
    cluster = raycluster.start()
    try:
        yield cluster
    finally:
        raycluster.stop(cluster)
    left = raycluster.pids(cluster)
    assert not left, f"Ray processes left after the tests: {left}"
