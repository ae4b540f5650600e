"""MD007: a variable a block reads that no earlier block and no declared input sets.

Only for runbooks that declare their `inputs:`: such a runbook says what it expects from
outside, so `$JOB_ID` read by a block, never declared and set by no block before it, is most
likely a missing declaration (or a typo). Names bash or mdrun set, and the login environment's
own (`HOME`, `USER`, `LANG`…), are not findings; a block that sets the name itself, or any block
before it, clears it (what a block may set is over-approximated). After `source` or `eval`
anything may be set, and nothing more is reported.
"""

from __future__ import annotations

import re

from mdrun.blocks.frontmatter import runs_as_shell
from mdrun.lint import Finding, body_line_origin
from mdrun.lint.inputs import declared_inputs
from mdrun.model import Block, Runbook
from mdrun.shell.reads import read_names
from mdrun.shell.scan import changed_names
from mdrun.shell.scope import set_by_shell

CODE = "MD007"
LOGIN = frozenset(
    {"HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TMPDIR", "TZ", "DISPLAY", "EDITOR", "PAGER"}
)


def _outside(name: str) -> bool:
    """Set for every block by bash, mdrun or the login session."""
    return set_by_shell(name) or name in LOGIN or name.startswith(("LC_", "XDG_"))


def find_undeclared_reads(runbook: Runbook) -> list[Finding]:
    """One finding per variable, at its first read by a block that nothing before sets it for."""
    choices, _ = declared_inputs(runbook)  # MD006 reports a malformed declaration
    if choices is None:
        return []
    known = set(choices)
    findings: list[Finding] = []
    for block in runbook.blocks:
        if not runs_as_shell(block):
            continue  # Python, or a body an `exec:` command reads: not bash
        own = changed_names(block.body)
        if own is None:
            break  # `source`/`eval`: this block may set anything, for the rest too
        findings += _reads(block, known, own)
        known |= own
    return findings


def _reads(block: Block, known: set[str], own: set[str]) -> list[Finding]:
    """Findings for the reads of `block` that nothing sets first; each name found joins
    `known`. `own` are the names the block itself may set: they clear reads written after
    the name's first appearance other than as a reference."""
    out = []
    reads = [(name, block.origin, "`when=`") for name in read_names(block.options.when or "")]
    for name, offset in read_names(block.body).items():
        if name in own and _named_before(block.body, name, offset):
            continue
        where = body_line_origin(block, block.body.count("\n", 0, offset))
        reads.append((name, where, "its body"))
    for name, where, part in reads:
        if name not in known and not _outside(name):
            out.append(Finding.at(where, CODE, _message(block, name, part)))
            known.add(name)
    return out


def _named_before(body: str, name: str, offset: int) -> bool:
    """Whether `name` appears before `offset` other than as `$name`/`${name}` (as in
    `name=…`, `export name`, `read name`, `for name in`)."""
    match = re.search(rf"(?<![$\w{{]){re.escape(name)}(?!\w)", body)
    return match is not None and match.start() < offset


def _message(block: Block, name: str, part: str) -> str:
    return (
        f'block "{block.name}" reads ${name} in {part}, but no earlier block sets it and it is '
        "not a declared input (add it under `inputs:`, or give it a default: "
        f"${{{name}:-…}})"
    )
