"""SCxxxx: shellcheck's findings on each block, mapped back to the runbook's files and lines.

Skipped when shellcheck is not installed (`mdrun check` then says so once, on stderr). Bodies are given on stdin, one shellcheck per
block (so a project's `.shellcheckrc`, found from the working directory, applies as it would to
a script), as many at once as there are cores, since starting shellcheck is most of its time
on a block. shellcheck only reads them. Severity `warning` and up: style and info notes (quoting
advice on every `$VAR`) would bury the rest.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from mdrun.lint import Finding, body_line_origin
from mdrun.model import Block

SEVERITY = "warning"
# SC2154: "var is referenced but not assigned": runbooks read their environment by design.
EXCLUDED = ("SC2154",)
TIMEOUT_S = 30.0
MISSING_NOTE = "mdrun: shellcheck is not installed: shell findings (SCnnnn) are not checked"
"""What `mdrun check` prints once on stderr when shellcheck cannot be found."""


def shellcheck_path() -> str | None:
    """The shellcheck binary, or None."""
    return shutil.which("shellcheck")


def find_shellcheck_all(blocks: Sequence[Block], binary: str) -> list[Finding]:
    """shellcheck's comments on every block, in block order."""
    with ThreadPoolExecutor(max_workers=max(1, min(len(blocks), os.cpu_count() or 1))) as pool:
        return [
            f for found in pool.map(lambda b: find_shellcheck(b, binary), blocks) for f in found
        ]


def find_shellcheck(block: Block, binary: str) -> list[Finding]:
    """shellcheck's comments on one block's body."""
    command = [
        binary, "--format=json1", "--shell=bash", f"--severity={SEVERITY}",
        "--exclude=" + ",".join(code.removeprefix("SC") for code in EXCLUDED), "-",
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, input=block.body, capture_output=True, text=True, timeout=TIMEOUT_S,
            check=False,
        )  # fmt: skip
        comments = json.loads(done.stdout or "{}").get("comments", [])
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
        return []
    findings = []
    for comment in comments:
        origin = body_line_origin(block, int(comment.get("line", 1)) - 1)
        code = f"SC{comment.get('code', '')}"
        message = f"{comment.get('message', '')} [{block.name}]"
        findings.append(Finding.at(origin, code, message, int(comment.get("column", 1))))
    return findings
