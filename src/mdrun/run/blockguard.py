"""The shell a block's wrapper runs, and the guard it tests first: the record's own `script`
and `done_check` (set by `mdrun.blocks.script`) with its `when=`."""

from __future__ import annotations

from mdrun.model import Block


def block_script(block: Block) -> str:
    """The shell source the block's wrapper sources."""
    return block.body if block.script is None else block.script


def block_guard(block: Block) -> str | None:
    """The condition tested before the body (true: run it), or None for none."""
    when, done = block.options.when, block.done_check
    if done is None:
        return when
    return f"! {done}" if when is None else f"{{ {when}\n}} && ! {done}"


def skip_reason(block: Block) -> str:
    """Why a block whose guard was false at run time did not run."""
    own = block.options.validate
    if not own:
        return "`when` is false"
    done = already_done(own)
    return done if block.options.when is None else f"`when` is false, or {done}"


def already_done(command: str) -> str:
    """How a block skipped because `command` (a `validate:`) succeeded is reported."""
    return f"already done (`validate` succeeded: `{command.strip()}`)"
