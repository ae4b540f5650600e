"""The `text` plan render without colour: what `mdrun plan` prints into a pipe, a file or NO_COLOR.

Same information and layout as the rich render in `render.text` (header, environment table,
numbered blocks with mode, verdict, origin and reason, then the indented body), built from plain
strings so that the command does not import rich (30-100 ms) for output nobody styles.

Control characters (other than tab and newline) are shown as `\\xNN`: a carriage return or an
escape sequence in a body could otherwise redraw the line a reviewer reads, hiding a command.

Lines are never wrapped. Without a terminal there is no width to wrap to, and a wrapped shell
line reads as two commands: each line of a body stays whole, ready to copy, grep and diff. A terminal with NO_COLOR soft-wraps long lines itself.
"""

from __future__ import annotations

from mdrun.model import Plan, PlannedBlock, format_origin
from mdrun.render import Scrub, counts, scrubber, shown_variables
from mdrun.render.plan_json import option_words

INDENT = " " * 5
"""Left margin of a block's details, under its name."""
BODY_INDENT = INDENT + " " * 2
"""Left margin of a block's body, two further in than its details."""
_VISIBLE = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0)) if c not in (9, 10)}


def visible(text: str) -> str:
    """`text` with C0 and C1 control characters except tab and newline written as `\\xNN`."""
    return text.translate(_VISIBLE)


def render_plain(plan: Plan, show_secrets: bool = False) -> str:
    """The plan as plain text: header, given environment, then every block in order."""
    scrub = scrubber(plan, show_secrets)
    tally = counts(plan)
    header = (
        f"Plan for {plan.runbook.path}: {len(plan.blocks)} blocks, {tally['run']} run, "
        f"{tally['skip']} skip, {tally['unknown']} unknown"
    )
    lines = [header, *_environment(plan, show_secrets)]
    for planned in plan.blocks:
        lines.append("")
        lines.extend(_block(planned, scrub))
    text = visible("\n".join(lines) + "\n")
    # Like the rich render: no trailing blanks anywhere, so that editors cannot break a diff.
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _environment(plan: Plan, show_secrets: bool) -> list[str]:
    rows = shown_variables(plan.initial_env, show_secrets, everything=False)
    inherited = len(plan.initial_env) - len(rows)
    title = "Environment given to the run"
    if inherited:
        title += f" (plus {inherited} from the process environment)"
    lines = ["", title]
    if not rows:
        lines.append("  (nothing beyond the process environment)")
    for row in rows:
        value = "(set, value unknown)" if row.value is None else row.value
        maybe = "" if row.certain else ", maybe"
        lines.append(f"  {row.name}={value}  ({row.source}{maybe})")
    lines.append("")  # the table is set off from the first block by two blank lines
    return lines


def _block(planned: PlannedBlock, scrub: Scrub) -> list[str]:
    block, verdict = planned.block, planned.verdict
    head = f"{block.index:>3}  {block.name}  {block.mode}  {verdict.kind.upper()}"
    reason = scrub(verdict.reason)
    if verdict.branch:
        reason += f" [branch: {verdict.branch}]"
    details = [format_origin(block.origin), reason]
    extra = option_words(planned)
    if extra:
        details.append("options: " + " ".join(extra))
    lines = [head]
    lines.extend(_indented(details, INDENT))
    lines.extend(_indented([block.body.rstrip("\n")], BODY_INDENT))
    return lines


def _indented(parts: list[str], margin: str) -> list[str]:
    # A part may hold several lines (a multi-line reason, the body): each gets the margin.
    return [margin + line for part in parts for line in part.split("\n")]
