"""The `text` plan render: what an operator reads in the terminal before pressing enter.

With colour (a terminal, no NO_COLOR) rich draws it: styles, bash highlighting, wrapping that
keeps the indent. Without colour `render.plain` draws the same layout from plain strings, so
that `mdrun plan | less` or a plan saved to a file never imports rich (tens of milliseconds).
rich is therefore imported inside the functions here, never at module level.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from mdrun.model import Plan, PlannedBlock, format_origin
from mdrun.render import Scrub, counts, scrubber, shown_variables
from mdrun.render.plain import visible
from mdrun.render.plan_json import option_words

if TYPE_CHECKING:
    from rich.console import Console, Group
    from rich.syntax import Syntax
    from rich.text import Text

VERDICT_STYLE = {"run": "bold green", "skip": "dim", "unknown": "bold yellow"}
MODE_STYLE = {"sync": "cyan", "async": "magenta"}
INDENT = 5


def wants_color(stream: object = None) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream if stream is not None else sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def render_text(
    plan: Plan, show_secrets: bool = False, color: bool | None = None, width: int | None = None
) -> str:
    """The plan as terminal text; ANSI styles only when `color` (default: stdout is a TTY).

    Without colour the plain render is used and `width` is ignored: its lines are not wrapped."""
    color = wants_color() if color is None else color
    if not color:
        from mdrun.render.plain import render_plain

        return render_plain(plan, show_secrets)
    # Here, not at the top: the plain path needs none of them (shutil alone pulls in bz2, lzma).
    import io
    import shutil

    from rich.console import Console

    console = Console(
        record=True,
        file=io.StringIO(),
        width=width or shutil.get_terminal_size().columns,
        force_terminal=True,
        color_system="auto",
    )
    print_plan(plan, console, show_secrets)
    text = console.export_text(styles=True)
    # rich pads every line to the console width; a diffable render has no trailing blanks.
    return "\n".join(line.rstrip() for line in text.split("\n"))


def print_plan(plan: Plan, console: Console, show_secrets: bool = False) -> None:
    """Draw `plan` on `console` with rich: header, given environment, then every block in order."""
    from rich.text import Text

    scrub = scrubber(plan, show_secrets)
    tally = counts(plan)
    header = Text.assemble(
        ("Plan for ", "bold"),
        (visible(plan.runbook.path), "bold underline"),
        f": {len(plan.blocks)} blocks, ",
        (f"{tally['run']} run", VERDICT_STYLE["run"]),
        ", ",
        (f"{tally['skip']} skip", VERDICT_STYLE["skip"]),
        ", ",
        (f"{tally['unknown']} unknown", VERDICT_STYLE["unknown"]),
    )
    console.print(header)
    console.print(_environment(plan, show_secrets))
    # Without colour, highlighting would change nothing but cost a pygments lexer per body.
    highlight = console.color_system is not None and not console.no_color
    for planned in plan.blocks:
        console.print(_block(planned, scrub, highlight))


def _environment(plan: Plan, show_secrets: bool) -> Text:
    from rich.text import Text

    rows = shown_variables(plan.initial_env, show_secrets, everything=False)
    inherited = len(plan.initial_env) - len(rows)
    text = Text("\nEnvironment given to the run", style="bold")
    text.append(f" (plus {inherited} from the process environment)\n" if inherited else "\n")
    if not rows:
        text.append("  (nothing beyond the process environment)\n", style="dim")
    for row in rows:
        value = "(set, value unknown)" if row.value is None else visible(row.value)
        maybe = "" if row.certain else ", maybe"
        text.append(f"  {row.name}", style="bold")
        text.append(f"={value}")
        text.append(f"  ({visible(row.source)}{maybe})\n", style="dim")
    return text


def _block(planned: PlannedBlock, scrub: Scrub, highlight: bool) -> Group:
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    block, verdict = planned.block, planned.verdict
    head = Text.assemble(
        (f"{block.index:>3}  ", "bold"),
        (visible(block.name), "bold"),
        "  ",
        (block.mode, MODE_STYLE[block.mode]),
        "  ",
        (verdict.kind.upper(), VERDICT_STYLE[verdict.kind]),
    )
    # Control characters made visible, as in the plain render: none can redraw what is shown.
    details: list[Text | Padding] = [Text(visible(format_origin(block.origin)), style="dim")]
    reason = visible(scrub(verdict.reason))
    if verdict.branch:
        reason += f" [branch: {verdict.branch}]"
    details.append(Text(reason, style=VERDICT_STYLE[verdict.kind]))
    extra = option_words(planned)
    if extra:
        details.append(Text("options: " + " ".join(extra), style="dim"))
    source = visible(block.body.rstrip("\n"))
    body: Syntax | Text = Text(source)
    if highlight:
        from rich.syntax import Syntax  # pulls in pygments: only when there is colour to show

        body = Syntax(source, "bash", theme="ansi_dark", background_color="default", word_wrap=True)
    details.append(Padding(body, (0, 0, 0, 2)))
    # Padding, not leading spaces, so that wrapped lines keep the indent too.
    return Group(Text(""), head, Padding(Group(*details), (0, 0, 0, INDENT)))
