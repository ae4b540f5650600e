"""The planner's knowledge of one shell while a block runs, the variable operations that
change it (`NAME=value`, `export`, `unset`, `source`), and how maybes merge."""

from __future__ import annotations

import re
from collections.abc import Sequence

from mdrun.model import EnvValue, Source
from mdrun.shell.scan import NAME, NAME_PATTERN
from mdrun.shell.scope import NeedsExecution, Scope
from mdrun.shell.words import expand

_ASSIGN = re.compile(rf"({NAME_PATTERN})(\+?)=(.*)\Z", re.DOTALL)


class FlowState:
    """What planning knows about the shell while a block runs (mutable: the planner updates it
    as it walks a body; a plain slotted class, which costs nothing at import)."""

    __slots__ = ("allexport", "env", "marks", "opened_by", "shell", "stopped", "unset_by")

    def __init__(
        self,
        env: dict[str, EnvValue],
        shell: dict[str, EnvValue] | None = None,
        unset_by: dict[str, str] | None = None,
        marks: set[str] | None = None,
        allexport: bool = False,
        opened_by: str | None = None,
        stopped: bool = False,
    ) -> None:
        self.env = env
        """Exported variables: what the next block and async blocks start with."""
        self.shell: dict[str, EnvValue] = {} if shell is None else shell
        """Unexported shell variables of the current block (each block is a new bash)."""
        self.unset_by: dict[str, str] = {} if unset_by is None else unset_by
        """`unset by block "x" at F:3` for names a block unset."""
        self.marks: set[str] = set() if marks is None else marks
        """`export X` of a name not yet set: its next assignment is exported."""
        self.allexport = allexport
        """`set -a` is in effect."""
        self.opened_by = opened_by
        """An opaque command (`source f`) that may have set any variable."""
        self.stopped = stopped
        """`exit` was reached: nothing after it runs."""

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"FlowState({fields})"

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

    def become(self, other: FlowState) -> None:
        """Take on every field of `other` (after its forks were merged)."""
        for name in FlowState.__slots__:
            setattr(self, name, getattr(other, name))

    def value(self, raw: str) -> str | None:
        """The statically expanded value of an assignment's right-hand side, if known."""
        try:
            return expand(raw, self.scope(), split=False).fields[0]
        except NeedsExecution:
            return None

    def assign(self, raw: str, label: str, *, export: bool = False) -> None:
        """`NAME=value` or `NAME+=value` (the source text), written at `label`."""
        match = _ASSIGN.match(raw)
        if match is None:
            return
        name, append, rhs = match.groups()
        value = self.value(rhs)
        if append:
            old = self.shell.get(name) or self.env.get(name)
            if old is not None:
                value = None if old.value is None or value is None else old.value + value
        self.set_value(name, value, label, export=export)

    def set_value(self, name: str, value: str | None, label: str, *, export: bool = False) -> None:
        """Set `name` (None: set, value unknown), exported when it must be."""
        if not NAME.fullmatch(name):
            return
        self.unset_by.pop(name, None)
        if export or self.allexport or name in self.env or name in self.marks:
            self.env[name] = EnvValue(value, Source("exported", label))
            self.shell.pop(name, None)
            self.marks.discard(name)
        else:
            self.shell[name] = EnvValue(value, Source("set", label))

    def export_name(self, name: str, label: str) -> None:
        """`export NAME` with no value."""
        if name in self.shell:
            item = self.shell.pop(name)
            self.env[name] = item._replace(source=Source("exported", label))
        elif name not in self.env:
            self.marks.add(name)

    def unexport(self, name: str) -> None:
        """`export -n NAME`: it stays set, for this shell only."""
        if name in self.env:
            self.shell[name] = self.env.pop(name)

    def unset(self, name: str, label: str) -> None:
        """`unset NAME`."""
        self.env.pop(name, None)
        self.shell.pop(name, None)
        self.marks.discard(name)
        self.unset_by[name] = f"unset by {label}"

    def open(self, why: str) -> None:
        """After `source f`/`eval …` (`why` quotes it), any variable may be set."""
        self.opened_by = self.opened_by or why

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
    if not forks:
        return out
    first, rest = forks[0], forks[1:]
    for name in dict.fromkeys(n for fork in forks for n in fork):
        kept = first.get(name)
        if kept is not None and all(fork.get(name) is kept for fork in rest):
            out[name] = kept  # one record in every fork: most of the environment, untouched
            continue
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
