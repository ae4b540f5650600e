"""madwizard 9.0.7 as an oracle: installed from npm into a cache directory kept between sessions,
and the test's own Node scripts (tests/madwizard/*.mjs) run against it.

Without node/npm, or when the registry cannot be reached, the calling test is skipped, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

VERSION = "9.0.7"
SCRIPTS = Path(__file__).resolve().parent.parent / "madwizard"
"""The Node scripts the tests run against madwizard's library."""
ORACLES = Path(os.environ.get("MDRUN_ORACLES", Path.home() / ".cache" / "mdrun-oracles"))
"""Where npm installs the oracle, kept between sessions (the tests' own XDG_CACHE_HOME is
fresh per session): `MDRUN_ORACLES`, else ~/.cache/mdrun-oracles."""
PACKAGE = {
    "name": "mdrun-madwizard-oracle",
    "private": True,
    "dependencies": {"madwizard": VERSION},
    # madwizard's lock pins enquirer to a git fork; the registry's release works the same here.
    "overrides": {"enquirer": "2.4.1"},
}


def install() -> Path:
    """The directory whose node_modules holds madwizard (installing it on first use)."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("npm/node are not installed: cannot install madwizard as the oracle")
    root = ORACLES / f"madwizard-{VERSION}"
    if not (root / "node_modules" / "madwizard" / "package.json").exists():
        root.mkdir(parents=True, exist_ok=True)
        (root / "package.json").write_text(json.dumps(PACKAGE))
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"npm could not install madwizard {VERSION}: {done.stderr[-400:]}")
    return root


def run_script(script: str, args: list[str], workdir: Path, timeout: float) -> str:
    """Run tests/madwizard/SCRIPT with `args` from `workdir` (a node_modules link to the oracle
    is made there, so nothing is written into the shared install); its stdout."""
    modules = workdir / "node_modules"
    if not modules.exists():
        modules.symlink_to(install() / "node_modules", target_is_directory=True)
    shutil.copy(SCRIPTS / script, workdir / script)
    done = subprocess.run(
        ["node", script, *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"node {script} exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout
