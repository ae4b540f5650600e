"""A question asked in the middle of a run, on the console the blocks write to.

Before a prompt is drawn, what the blocks wrote so far is shown and the status area is taken
away, so that the prompt starts on a line of its own below the output; the area comes back
afterwards. While a person answers, the event loop waits: a block still running writes into
its pipe (held until the answer comes) and no timer fires.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Mapping

from mdrun.errors import MdrunError
from mdrun.model import Answer, Block, Plan, PlannedBlock
from mdrun.run.contracts import Settler
from mdrun.run.output import ConsoleOut
from mdrun.run.state import RunState, record_for


def settle_before(run: RunState, planned: PlannedBlock) -> bool:
    """Settle the questions that govern `planned` in the shell state the blocks before it left,
    and take the plan from there on again; False when the run stops instead: Ctrl-C at a prompt
    stops it as during a block (exit 130), a question nobody can answer or whose command fails
    as a failed block does (exit 2)."""
    assert run.settler is not None
    try:
        new = run.settler.settle(planned.block, run.shell.env)
    except KeyboardInterrupt:
        run.answers = dict(run.settler.answers)
        run.on_signal(signal.SIGINT)
        return False
    except MdrunError as exc:
        run.answers = dict(run.settler.answers)
        run.ui.error(str(exc))
        run.exit_code = run.exit_code or exc.exit_code
        run.begin_stop()
        return False
    run.answers = dict(run.settler.answers)
    _replace_rest(run, planned.block.index, new)
    run.changed()
    return True


def _replace_rest(run: RunState, index: int, plan: Plan) -> None:
    """The blocks not reached yet, from the one with block `index` on, as `plan` (planned again
    with more answers) has them: unchosen branches gone, `${choice}` filled in."""
    for old in run.items[run.pos :]:
        run.records.pop(old.block.name, None)
    rest = [p for p in plan.blocks if p.block.index >= index]
    run.records.update({p.block.name: record_for(p) for p in rest})
    run.items[run.pos :] = rest


class ConsoleSettler:
    """A `Settler` that clears the console's way before it asks."""

    def __init__(self, settler: Settler, console: ConsoleOut) -> None:
        self.settler, self.console = settler, console

    @property
    def answers(self) -> Mapping[str, Answer]:
        """The answers so far."""
        return self.settler.answers

    def needs(self, block: Block) -> bool:
        """Whether a question governs `block` still."""
        return self.settler.needs(block)

    def settle(self, block: Block, env: Mapping[str, str]) -> Plan:
        """Ask with the output shown and the status area out of the way."""
        console = self.console
        console.break_line()
        console.flush()
        erase, draw = console.before_flush, console.after_flush
        if erase is not None:
            with contextlib.suppress(OSError):
                os.write(console.fd, erase())
        console.before_flush = console.after_flush = None
        try:
            return self.settler.settle(block, env)
        finally:
            console.before_flush, console.after_flush = erase, draw
            if draw is not None:
                console.refresh()
