"""The arguments of a block's `exec:` line as a plan can know them: its words after the command
name, each expanded from the block's planned environment where that needs no execution, else
kept as written. `plan` uses this to show the Ray job an `exec: ray-submit …` block submits."""

from __future__ import annotations

from mdrun.blocks.script import RAY_SUBMIT
from mdrun.model import Block, Environment
from mdrun.shell.parse import parse
from mdrun.shell.scope import NeedsExecution, Scope
from mdrun.shell.syntax import Command


def submits_to_ray(block: Block) -> bool:
    """Whether the block's `exec:` is `ray-submit …`."""
    words = (block.options.exec or "").split(maxsplit=1)
    return bool(words) and words[0] == RAY_SUBMIT


def exec_arguments(command: str, env: Environment) -> list[str] | None:
    """The words after the command name of `command`'s first simple command, expanded from `env`
    (a word whose value only a run knows, or that expands to no field, stays as written). None when it is not one command."""
    from mdrun.shell.words import expand

    parsed = parse(command)
    first = next((n for n in parsed.nodes if isinstance(n, Command)), None)
    if first is None or not first.words:
        return None
    out: list[str] = []
    for word in first.words[1:]:
        try:
            fields = expand(word.text, Scope(env)).fields
        except NeedsExecution:
            fields = ()
        # A word that expands to nothing here (`${JOB_ID}` unset until a question is answered)
        # is shown as written rather than dropped, which would shift the arguments after it.
        out += fields or [word.text]
    return out
