"""The records of a plan diff: what changed between the base and the working tree."""

from __future__ import annotations

from typing import Literal, NamedTuple

from mdrun.model import VerdictKind

BlockChangeKind = Literal["added", "removed", "moved", "changed"]
Status = Literal["changed", "unchanged", "new", "deleted"]
Direction = Literal["added", "removed"]


class BlockSide(NamedTuple):
    """One block as one side plans it."""

    position: int
    """1-based position among that side's blocks."""
    name: str
    """The block's name."""
    origin: str
    """Where its fence is, as `file:line (via …)`."""
    verdict: VerdictKind
    """`run`, `skip` or `unknown` on that side."""
    reason: str
    """Why (secret values scrubbed)."""
    options: tuple[str, ...]
    """Attributes that differ from their defaults, as `key=value`."""
    mode: str
    """`sync` or `async`."""


class BlockChange(NamedTuple):
    """A block added, removed, moved or changed (a block both moved and changed is two)."""

    kind: BlockChangeKind
    """What happened to it."""
    name: str
    """Its name in the working tree (the base's name for a removed block)."""
    old: BlockSide | None
    """The base side (None for an added block)."""
    new: BlockSide | None
    """The working tree's side (None for a removed block)."""
    body_diff: str = ""
    """For `changed`: a unified diff of the body, headed by both origins."""
    details: tuple[str, ...] = ()
    """For `changed`: attribute and name changes (`when: '…' → '…'`); for `moved`: why."""


class VerdictFlip(NamedTuple):
    """A block whose verdict is not the same on both sides."""

    name: str
    """The block's name in the working tree."""
    old: BlockSide
    """The base side, with its verdict and reason."""
    new: BlockSide
    """The working tree's side."""


class VariableChange(NamedTuple):
    """A variable that blocks read, or export, on one side only."""

    name: str
    """The variable."""
    direction: Direction
    """`added`: newly read (or exported) in the working tree; `removed`: no longer."""
    blocks: tuple[str, ...]
    """The blocks that read (or export) it, on the side where they do."""


class FileChange(NamedTuple):
    """A file pulled in by `--8<--` or `imports:` on one side only."""

    path: str
    """The file, as shown to users."""
    kind: Literal["include", "import"]
    """How it is pulled in."""
    direction: Direction
    """`added` or `removed`."""
    via: str
    """The marker or `imports:` entry that pulls it in (`runbook.md:12`)."""


ChoiceChangeKind = Literal[
    "question added",
    "question removed",
    "answer renamed",
    "answer added",
    "answer removed",
    "block path changed",
]


class ChoiceChange(NamedTuple):
    """A question (a tab group) added or removed, an answer (a tab) added, removed or renamed,
    or a block that now sits under other answers (`mdrun.diff.choices`)."""

    kind: ChoiceChangeKind
    """What happened."""
    question: str
    """The question's id (the working tree's, the base's for a removed one); for a block, the
    innermost question of its path now (else of its path before), `""` for none."""
    name: str
    """The question's readable name (the heading it sits under)."""
    detail: str
    """In words: a question's answers, `'Old' → 'New'` for a rename, both paths of a block."""
    answer: str | None = None
    """The answer added, or a renamed answer's new name."""
    was: str | None = None
    """The answer removed, or a renamed answer's old name."""
    block: str | None = None
    """For `block path changed`: the block's name."""


class RunbookDiff(NamedTuple):
    """Everything that differs between the two plans of one runbook."""

    runbook: str
    """The runbook, as given."""
    base: str
    """The base revision, as reports name it."""
    status: Status
    """`new` (absent at the base), `deleted` (absent now), `changed` or `unchanged`."""
    blocks: tuple[BlockChange, ...]
    """Blocks added, then removed, moved and changed, each kind in document order."""
    verdicts: tuple[VerdictFlip, ...]
    """Verdicts that flip, with both reasons."""
    reads: tuple[VariableChange, ...]
    """Variables newly read, or no longer read."""
    exports: tuple[VariableChange, ...]
    """Variables newly exported, or no longer exported."""
    files: tuple[FileChange, ...]
    """Includes and imports added or removed."""
    choices: tuple[ChoiceChange, ...] = ()
    """Questions and answers added, removed or renamed, and blocks under other answers."""
    base_error: str | None = None
    """Why the runbook did not load at the base, if it did not (its blocks then count as
    added)."""

    @property
    def changed(self) -> bool:
        """Whether anything differs."""
        return self.status != "unchanged"
