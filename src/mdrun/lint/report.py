"""`mdrun check`'s output: findings as text, JSON or GitHub Actions workflow commands, and the
summary line that ends them.

The `github` format prints `::error file=F,line=L,col=C,title=CODE::message` per finding, which
a GitHub Actions job turns into annotations on the pull request's diff.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from mdrun.lint import Finding

Format = Literal["text", "json", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "github")


def summary(findings: Sequence[Finding], runbooks: int) -> str:
    """`3 findings (2 MD001, 1 MD003) in 2 files; 170 runbooks checked`."""
    checked = f"{runbooks} {'runbook' if runbooks == 1 else 'runbooks'} checked"
    if not findings:
        return f"no findings; {checked}"
    codes = Counter(f.code for f in findings)
    by_code = ", ".join(f"{n} {code}" for code, n in sorted(codes.items()))
    files = len({f.path for f in findings})
    plural = "finding" if len(findings) == 1 else "findings"
    in_files = f"{files} {'file' if files == 1 else 'files'}"
    return f"{len(findings)} {plural} ({by_code}) in {in_files}; {checked}"


def render_findings(findings: Sequence[Finding], runbooks: int, fmt: Format = "text") -> str:
    """Every finding, then the summary line (a `summary` object in JSON)."""
    if fmt == "json":
        return _json(findings, runbooks)
    lines = [_github(f) if fmt == "github" else str(f) for f in findings]
    lines.append(f"mdrun: {summary(findings, runbooks)}")
    return "\n".join(lines) + "\n"


def _json(findings: Sequence[Finding], runbooks: int) -> str:
    data = {
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "code": f.code,
                "message": f.message,
            }
            for f in findings
        ],
        "summary": {
            "runbooks": runbooks,
            "files_with_findings": len({f.path for f in findings}),
            "findings": len(findings),
            "by_code": dict(sorted(Counter(f.code for f in findings).items())),
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _github(finding: Finding) -> str:
    props = ",".join(
        f"{key}={_escape_property(str(value))}"
        for key, value in (
            ("file", finding.path),
            ("line", finding.line),
            ("col", finding.column),
            ("title", finding.code),
        )
    )
    return f"::error {props}::{_escape_data(finding.message)}"


def _escape_data(text: str) -> str:
    """Workflow-command data: `%`, CR and LF are escaped (as @actions/core does)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """Workflow-command properties: `:` and `,` too, since they delimit the properties."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
