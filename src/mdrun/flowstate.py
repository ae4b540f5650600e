"""The planner's knowledge of one shell while a block runs, and how maybes merge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mdrun.model import EnvValue
from mdrun.shellscope import Scope


@dataclass(slots=True)
class FlowState:
    """What planning knows about the shell while a block runs."""

    env: dict[str, EnvValue]
    """Exported variables: what the next block and async blocks start with."""
    shell: dict[str, EnvValue] = field(default_factory=dict)
    """Unexported shell variables of the current block (each block is a new bash)."""
    unset_by: dict[str, str] = field(default_factory=dict)
    """`unset by block "x" at F:3` for names a block unset."""
    marks: set[str] = field(default_factory=set)
    """`export X` of a name not yet set: its next assignment is exported."""
    allexport: bool = False
    """`set -a` is in effect."""
    opened_by: str | None = None
    """An opaque command (`source f`) that may have set any variable."""
    stopped: bool = False
    """`exit` was reached: nothing after it runs."""

    def scope(self) -> Scope:
        """The variables a test would see now."""
        # Read-only views, built per test: copying the whole environment each time made
        # planning quadratic in the number of blocks.
        values = {**self.env, **self.shell} if self.shell else self.env
        return Scope(values, self.unset_by, self.opened_by)

    def copy(self) -> FlowState:
        """An independent copy (for one branch of a maybe)."""
        return FlowState(
            dict(self.env),
            dict(self.shell),
            dict(self.unset_by),
            set(self.marks),
            self.allexport,
            self.opened_by,
            self.stopped,
        )

    def next_block(self) -> FlowState:
        """What the next sync block starts with: the exported environment only."""
        return FlowState(dict(self.env), unset_by=dict(self.unset_by), opened_by=self.opened_by)


def merge(before: FlowState, forks: Sequence[FlowState]) -> FlowState:
    """The state after one of `forks` happened, planning cannot tell which."""
    out = FlowState({}, {}, {}, set(), any(f.allexport for f in forks))
    out.env = _merge_vars(before.env, [f.env for f in forks])
    out.shell = _merge_vars(before.shell, [f.shell for f in forks])
    for fork in forks:
        out.unset_by.update(fork.unset_by)
        out.marks |= fork.marks
    out.opened_by = next((f.opened_by for f in forks if f.opened_by), None)
    out.stopped = all(f.stopped for f in forks)
    return out


def _merge_vars(
    before: dict[str, EnvValue], forks: Sequence[dict[str, EnvValue]]
) -> dict[str, EnvValue]:
    out: dict[str, EnvValue] = {}
    for name in dict.fromkeys(n for fork in forks for n in fork):
        values = [fork.get(name) for fork in forks]
        present = [v for v in values if v is not None]
        if len(present) == len(values) and all(v == present[0] for v in present):
            out[name] = present[0]
            continue
        changed = next((v for v in present if v != before.get(name)), present[0])
        same = all(v.value == present[0].value for v in present)
        certain = len(present) == len(values) and all(v.certain for v in present)
        out[name] = EnvValue(present[0].value if same else None, changed.source, certain)
    return out
