"""One origin per expanded line, kept as runs of lines instead of one tuple per line.

An included file's lines share the include chain and the file; only the line number differs.
`Origins` records one run per copied slice and builds a line's origin when it is asked for, so
expansion stays linear in the size of the output and most commands, which never look at most
origins, never build them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from typing import overload

from mdrun.model import Origin, SourceLocation

Run = tuple[Origin, str, Sequence[int]]
"""Consecutive output lines that share an include chain and a file: (chain, path, line
numbers); their origins are the chain plus `SourceLocation(path, n)` for each n."""


class Runs:
    """Runs being recorded, one list per field: recording a run adds no object that the garbage
    collector tracks (a run tuple would be one, holding its chain, for as long as the document
    lives; an expansion of 10000 files recorded 40000 of them, and every collection walked them
    again)."""

    __slots__ = ("chains", "numbers", "paths")

    def __init__(self) -> None:
        self.chains: list[Origin] = []
        self.paths: list[str] = []
        self.numbers: list[Sequence[int]] = []

    def add(self, chain: Origin, path: str, numbers: Sequence[int]) -> None:
        """Record one run (a single line's `numbers` as a range, which is not tracked either)."""
        self.chains.append(chain)
        self.paths.append(path)
        self.numbers.append(numbers)


class Origins(Sequence[Origin]):
    """A read-only sequence of origins, built on access from runs of consecutive output lines.

    Equal to any tuple or list holding the same origins, so it can stand where a tuple did.
    """

    __slots__ = ("_runs", "_size", "_starts")

    def __init__(self, runs: Runs | Iterable[Run] = ()) -> None:
        if not isinstance(runs, Runs):
            recorded = Runs()
            for chain, path, numbers in runs:
                recorded.add(chain, path, numbers)
            runs = recorded
        self._runs = runs
        # An empty run starts where the next one does: bisect_right never picks it.
        self._starts = [0, *accumulate(map(len, runs.numbers))]
        self._size = self._starts.pop()

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Origin: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Origin, ...]: ...

    def __getitem__(self, index: int | slice) -> Origin | tuple[Origin, ...]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._size)
            if step != 1:
                return tuple(self[i] for i in range(start, stop, step))
            return self._span(start, stop)
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("origin index out of range")
        run = bisect_right(self._starts, index) - 1
        runs = self._runs
        number = runs.numbers[run][index - self._starts[run]]
        return (*runs.chains[run], SourceLocation(runs.paths[run], number))

    def _span(self, start: int, stop: int) -> tuple[Origin, ...]:
        """Lines `start` to `stop`, run by run (a block's body lines: one bisect, not one a
        line)."""
        out: list[Origin] = []
        runs, at = self._runs, start
        run = bisect_right(self._starts, start) - 1
        while at < stop:
            begin, numbers = self._starts[run], runs.numbers[run]
            chain, path = runs.chains[run], runs.paths[run]
            out += [(*chain, SourceLocation(path, n)) for n in numbers[at - begin : stop - begin]]
            at, run = begin + len(numbers), run + 1
        return tuple(out)

    def __iter__(self) -> Iterator[Origin]:
        runs = self._runs
        for chain, path, numbers in zip(runs.chains, runs.paths, runs.numbers, strict=True):
            for number in numbers:
                yield (*chain, SourceLocation(path, number))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Origins | tuple | list):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Origins({list(self)!r})"
