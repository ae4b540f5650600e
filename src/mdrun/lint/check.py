"""`mdrun check RUNBOOK`: lint a runbook without executing anything from it.

Findings, each `path:line: code: message`:

| code | what |
| --- | --- |
| MD001 | the runbook does not load: unresolvable include or import, cycle, bad frontmatter, unknown or malformed block attribute |
| MD002 | a block's guard can never be true for the frontmatter's declared `inputs:` |
| MD003 | a polling loop with a path that never sleeps (it spins) |
| MD004 | a command that can never run: after a top-level `exit`, or `break`/`continue` in a loop |
| MD005 | mojibake: UTF-8 that was decoded as cp1252 (the seed's pointing hand emoji) |
| MD006 | a malformed `inputs:` declaration |
| MD007 | a variable read that no earlier block or declared input sets (runbooks declaring `inputs:`) |
| MD008 | `mdrun plan --fail-on-unknown` only: a verdict the declared inputs leave `unknown` |
| SCnnnn | shellcheck (severity warning and up), when shellcheck is installed |
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from mdrun.blocks.extract import load_runbook
from mdrun.blocks.frontmatter import runs_as_shell
from mdrun.errors import MdrunError
from mdrun.lint import Finding
from mdrun.lint.inputs import find_dead_guards
from mdrun.lint.loops import find_spinning_loops
from mdrun.lint.mojibake import find_mojibake, find_mojibake_in_file
from mdrun.lint.shellcheck import Shellcheck, shellcheck_path
from mdrun.lint.undeclared import find_undeclared_reads
from mdrun.load.files import LOCAL, CachedFiles, Files
from mdrun.model import LoadOptions, Runbook, UnfetchedImport, format_origin

__all__ = ["LOAD_ERROR", "Finding", "check_runbook", "check_runbooks"]

LOAD_ERROR = "MD001"


def check_runbook(path: str, options: LoadOptions, use_shellcheck: bool = True) -> list[Finding]:
    """Every finding for the runbook at `path`, sorted by file and line.

    A runbook that cannot be opened at all (missing, a directory) is a usage error and raises;
    anything wrong inside it is a finding."""
    return check_runbooks([path], options, use_shellcheck)


def check_runbooks(
    paths: Sequence[str],
    options: LoadOptions,
    use_shellcheck: bool = True,
    unchecked: list[str] | None = None,
) -> list[Finding]:
    """Every finding for every runbook in `paths`, in this one process, sorted by file and
    line; a finding in a file that several runbooks include is reported once. `unchecked`
    receives a note for each URL import left unfetched (`options.leave_urls`): not a finding,
    but nothing of it was checked."""
    binary = shellcheck_path() if use_shellcheck else None
    shellcheck = Shellcheck(binary) if binary else None
    files = CachedFiles(LOCAL)  # guidebooks import the same files: each is read once
    found: set[Finding] = set()
    for path in paths:
        found.update(_check_one(path, options, shellcheck, files, unchecked))
    return sorted(found)


def _check_one(
    path: str,
    options: LoadOptions,
    shellcheck: Shellcheck | None,
    files: Files,
    unchecked: list[str] | None,
) -> list[Finding]:
    if not os.path.isfile(path):
        load_runbook(path, options)  # raises the loader's own UsageError
    try:
        runbook = load_runbook(path, options, files)
    except MdrunError as exc:
        # The rest needs the whole runbook; mojibake can still be found in the file itself.
        return [_load_finding(path, exc), *find_mojibake_in_file(path)]
    if unchecked is not None:
        unchecked += (unfetched_note(u) for u in runbook.document.unfetched)
    return _lint(runbook, shellcheck)


def _load_finding(path: str, exc: MdrunError) -> Finding:
    message = exc.message
    if exc.chain:
        message += " (included from " + " < ".join(str(loc) for loc in reversed(exc.chain)) + ")"
    if exc.location is None:
        return Finding(path, 1, LOAD_ERROR, message)
    return Finding.at(exc.location, LOAD_ERROR, message)


def _lint(runbook: Runbook, shellcheck: Shellcheck | None) -> list[Finding]:
    findings = find_mojibake(runbook.document) + find_dead_guards(runbook)
    findings += find_undeclared_reads(runbook)
    # Python bodies, and bodies an `exec:` command reads, are not bash.
    shell = tuple(block for block in runbook.blocks if runs_as_shell(block))
    for block in shell:
        findings += find_spinning_loops(block)
    if shellcheck is not None:
        findings += shellcheck.findings(shell)
    return findings


def unfetched_note(unfetched: UnfetchedImport) -> str:
    """`mdrun check`'s note on a URL import it did not fetch, and so did not check."""
    where = format_origin(unfetched.origin)
    return f"mdrun: not checked: {unfetched.url} (imported at {where}); --allow-url fetches it"
