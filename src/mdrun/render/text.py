"""The `text` plan render: what an operator reads in the terminal before pressing enter.

One layout, two outputs. The plan is laid out once as lines of styled spans (header,
environment table, numbered blocks with mode, verdict, origin and reason, then the indented
body); `plain` writes the text alone, `styled` adds ANSI styles and bash highlighting.

Plain (a pipe, a file, NO_COLOR) never wraps: there is no width to wrap to, and each shell
line stays whole, ready to copy, grep and diff. Styled output wraps at the terminal's width,
at a space where there is one, and marks each continued line with `↪` so that it never reads
as a command of its own. Skipped blocks' bodies are dimmed, not highlighted: they will not run.

Control characters (other than tab and newline) are shown as `\\xNN`: a carriage return or an
escape sequence in a body could otherwise redraw the line a reviewer reads, hiding a command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import NamedTuple

from mdrun import plural
from mdrun.model import Plan, PlannedBlock, format_origin
from mdrun.render import Scrub, counts, scrubber, shown_variables, unfetched_note
from mdrun.render.plan_json import option_words
from mdrun.render.questions import branch_of, question_lines, question_names

VERDICT_STYLE = {"run": "bold green", "skip": "dim", "unknown": "bold yellow"}
MODE_STYLE = {"sync": "cyan", "async": "magenta"}
INDENT = " " * 5
"""Left margin of a block's details, under its name."""
BODY_INDENT = INDENT + " " * 2
"""Left margin of a block's body, two further in than its details."""
CONTINUED = "↪ "
"""Starts a wrapped line's continuation."""
_VISIBLE = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0)) if c not in (9, 10)}
_SGR = {"bold": "1", "dim": "2", "italic": "3", "underline": "4", "green": "32"}
_SGR |= {"yellow": "33", "blue": "34", "magenta": "35", "cyan": "36", "red": "31"}

Span = tuple[str, str]
"""Text and its style (`"bold green"`, `""` for none)."""


class Line(NamedTuple):
    """One line of the layout: a margin, then styled text."""

    indent: str
    """Leading blanks; continuations of a wrapped line keep them."""
    spans: tuple[Span, ...]
    """The text, in styled pieces (no newlines)."""


def visible(text: str) -> str:
    """`text` with C0 and C1 control characters except tab and newline written as `\\xNN`."""
    return text.translate(_VISIBLE)


def wants_color(stream: object = None) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream if stream is not None else sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def render_text(
    plan: Plan, show_secrets: bool = False, color: bool | None = None, width: int | None = None
) -> str:
    """The plan as terminal text: styled and wrapped at `width` (default: the terminal's) when
    `color` (default: stdout is a terminal), else plain and never wrapped."""
    color = wants_color() if color is None else color
    lines = layout(plan, show_secrets, highlight=color)
    if not color:
        return plain(lines)
    if width is None:
        import shutil

        width = shutil.get_terminal_size().columns
    return styled(lines, width)


def plain(lines: list[Line]) -> str:
    """The layout as text alone."""
    return "".join((ln.indent + "".join(t for t, _ in ln.spans)).rstrip() + "\n" for ln in lines)


def styled(lines: list[Line], width: int) -> str:
    """The layout with ANSI styles, each line wrapped to `width` columns."""
    out = []
    for line in lines:
        for part in wrap(line, width):
            text = "".join(_sgr(t, s) for t, s in _rstrip(part.spans))
            out.append((part.indent + text).rstrip() + "\n")
    return "".join(out)


def _sgr(text: str, style: str) -> str:
    codes = ";".join(_SGR[word] for word in style.split())
    return f"\x1b[{codes}m{text}\x1b[0m" if codes and text else text


def _rstrip(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    out = list(spans)
    while out and not out[-1][0].rstrip():
        out.pop()
    if out:
        out[-1] = (out[-1][0].rstrip(), out[-1][1])
    return tuple(out)


def wrap(line: Line, width: int) -> Iterator[Line]:
    """`line` cut to `width` columns: at the last space that leaves a third of the line or
    more, else at the width; each continuation starts with `CONTINUED` after the margin."""
    spans, first = line.spans, True
    while True:
        room = max(10, width - len(line.indent) - (0 if first else len(CONTINUED)))
        text = "".join(t for t, _ in spans)
        lead: tuple[Span, ...] = () if first else ((CONTINUED, "dim"),)
        if len(text.rstrip()) <= room:
            yield Line(line.indent, lead + spans)
            return
        cut = text.rfind(" ", room // 3, room + 1)
        at = cut if cut > 0 else _after_punctuation(text, room)
        head, spans = _split(spans, at)
        if cut > 0:
            spans = _split(spans, 1)[1]  # the space the line broke at
        yield Line(line.indent, lead + head)
        first = False


def _after_punctuation(text: str, room: int) -> int:
    """Where a line without a usable space breaks: after `,`, `/`, `|`, `;`, `=` or `:` if one
    leaves a third of the line or more, else at the width."""
    best = max(text.rfind(c, room // 3, room) for c in ",/|;=:")
    return best + 1 if best > 0 else room


def _split(spans: tuple[Span, ...], at: int) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    head: list[Span] = []
    for i, (text, style) in enumerate(spans):
        if at <= len(text):
            head.append((text[:at], style))
            return tuple(head), ((text[at:], style), *spans[i + 1 :])
        head.append((text, style))
        at -= len(text)
    return tuple(head), ()


def layout(plan: Plan, show_secrets: bool = False, highlight: bool = False) -> list[Line]:
    """The plan as lines: header, given environment, then every block in order."""
    scrub = scrubber(plan, show_secrets)
    tally = counts(plan)
    header = Line(
        "",
        (
            ("Plan for ", "bold"),
            (visible(plan.runbook.path), "bold underline"),
            (f": {plural(len(plan.blocks), 'block')}, ", ""),
            (f"{tally['run']} run", VERDICT_STYLE["run"]),
            (", ", ""),
            (f"{tally['skip']} skip", VERDICT_STYLE["skip"]),
            (", ", ""),
            (f"{tally['unknown']} unknown", VERDICT_STYLE["unknown"]),
        ),
    )
    questions = [Line("", ((visible(t), ""),)) for t in question_lines(plan, show_secrets)]
    unfetched = [
        Line("", ((visible(unfetched_note(u)), VERDICT_STYLE["unknown"]),))
        for u in plan.runbook.document.unfetched
    ]
    lines = [header, *unfetched, *questions, *_environment(plan, show_secrets)]
    names = question_names(plan)
    for planned in plan.blocks:
        if planned.chosen:  # a branch not chosen is counted in the questions, not shown
            lines += [
                Line("", ()),
                *_block(planned, scrub, highlight, branch_of(planned.block, names)),
            ]
    return lines


def _environment(plan: Plan, show_secrets: bool) -> list[Line]:
    rows = shown_variables(plan.initial_env, show_secrets, everything=False)
    inherited = len(plan.initial_env) - len(rows)
    title: list[Span] = [("Environment given to the run", "bold")]
    if inherited:
        title.append((f" (plus {inherited} from the process environment)", ""))
    lines = [Line("", ()), Line("", tuple(title))]
    if not rows:
        lines.append(Line("  ", (("(nothing beyond the process environment)", "dim"),)))
    for row in rows:
        value = "(set, value unknown)" if row.value is None else visible(row.value)
        maybe = "" if row.certain else ", maybe"
        where = f"  ({visible(row.source)}{maybe})"
        lines.append(Line("  ", ((row.name, "bold"), (f"={value}", ""), (where, "dim"))))
    return [*lines, Line("", ())]  # set off from the first block by two blank lines


def _block(
    planned: PlannedBlock, scrub: Scrub, highlight: bool, branch: str | None = None
) -> list[Line]:
    block, verdict = planned.block, planned.verdict
    head = Line(
        "",
        (
            (f"{block.index:>3}  ", "bold"),
            (visible(block.name), "bold"),
            ("  ", ""),
            (block.mode, MODE_STYLE[block.mode]),
            ("  ", ""),
            (verdict.kind.upper(), VERDICT_STYLE[verdict.kind]),
        ),
    )
    reason = scrub(verdict.reason) + (f" [branch: {verdict.branch}]" if verdict.branch else "")
    details = [(format_origin(block.origin), "dim"), (reason, VERDICT_STYLE[verdict.kind])]
    if branch:
        details.insert(1, (f"under {branch}", "dim"))
    extra = option_words(planned)
    if extra:
        details.append(("options: " + " ".join(extra), "dim"))
    lines = [head]
    for text, style in details:
        lines += [Line(INDENT, ((visible(t), style),)) for t in text.split("\n")]
    source = block.body.rstrip("\n")
    if highlight and verdict.kind != "skip":
        body = _highlighted(source)
    else:
        style = "dim" if highlight else ""
        body = [((visible(t), style),) for t in source.split("\n")]
    return lines + [Line(BODY_INDENT, spans) for spans in body]


def _highlighted(source: str) -> list[tuple[Span, ...]]:
    """Bash highlighting, one tuple of spans per line of `source` (pygments: colour only)."""
    from pygments.lexers.shell import BashLexer

    lines: list[list[Span]] = [[]]
    # Made visible first: the lexer would read a lone carriage return as a line break.
    for kind, value in BashLexer(stripnl=False, ensurenl=False).get_tokens(visible(source)):
        style = _token_style(str(kind))
        first, *rest = value.split("\n")
        lines[-1].append((first, style))
        for piece in rest:
            lines.append([(piece, style)])
    return [tuple(s for s in line if s[0]) for line in lines]


def _token_style(kind: str) -> str:
    for prefix, style in _TOKEN_STYLES:
        if kind.startswith(prefix):
            return style
    return ""


_TOKEN_STYLES = (
    ("Token.Comment", "dim italic"),
    ("Token.Keyword", "bold blue"),
    ("Token.Name.Builtin", "cyan"),
    ("Token.Name.Variable", "magenta"),
    ("Token.Literal.String", "green"),
    ("Token.Literal.Number", "cyan"),
)
