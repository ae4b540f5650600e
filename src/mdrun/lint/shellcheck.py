"""SCxxxx: shellcheck's findings on each block, mapped back to the runbook's files and lines.

Skipped when shellcheck is not installed (`mdrun check` then says so once, on stderr). Bodies
are given on stdin, one shellcheck per distinct body (so a project's `.shellcheckrc`, found from
the working directory, applies as it would to a script), as many at once as there are cores,
since starting shellcheck is most of its time on a block. shellcheck only reads them. Severity
`warning` and up: style and info notes (quoting advice on every `$VAR`) would bury the rest.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

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


class Shellcheck:
    """shellcheck at `binary`, for one `mdrun check` command: each distinct body is checked once
    (guidebooks import the same blocks into many runbooks: the store's 169 hold 284 distinct
    bodies in 19,487 shell blocks), its comments mapped through each block's own lines."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self._comments: dict[str, list[dict[str, Any]]] = {}

    def findings(self, blocks: Sequence[Block]) -> list[Finding]:
        """shellcheck's comments on every block, in block order."""
        new = list(dict.fromkeys(b.body for b in blocks if b.body not in self._comments))
        if new:
            workers = max(1, min(len(new), os.cpu_count() or 1))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                self._comments.update(zip(new, pool.map(self._run, new), strict=True))
        return [f for block in blocks for f in _findings(block, self._comments[block.body])]

    def _run(self, body: str) -> list[dict[str, Any]]:
        command = [
            self.binary, "--format=json1", "--shell=bash", f"--severity={SEVERITY}",
            "--exclude=" + ",".join(code.removeprefix("SC") for code in EXCLUDED), "-",
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, input=body, capture_output=True, text=True, timeout=TIMEOUT_S,
                check=False,
            )  # fmt: skip
            comments: list[dict[str, Any]] = json.loads(done.stdout or "{}").get("comments", [])
        except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
            return []
        return comments


def _findings(block: Block, comments: list[dict[str, Any]]) -> list[Finding]:
    """`comments` on `block`'s body, at the files and lines its body came from. The location
    names the finding: the same block imported into several runbooks is one finding."""
    findings = []
    for comment in comments:
        origin = body_line_origin(block, int(comment.get("line", 1)) - 1)
        code = f"SC{comment.get('code', '')}"
        column = int(comment.get("column", 1))
        findings.append(Finding.at(origin, code, str(comment.get("message", "")), column))
    return findings
