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


class Origins(Sequence[Origin]):
    """A read-only sequence of origins, built on access from runs of consecutive output lines.

    Equal to any tuple or list holding the same origins, so it can stand where a tuple did.
    """

    __slots__ = ("_runs", "_size", "_starts")

    def __init__(self, runs: Iterable[Run] = ()) -> None:
        self._runs = [run for run in runs if run[2]]
        self._starts = [0, *accumulate(len(numbers) for _, _, numbers in self._runs)]
        self._size = self._starts.pop()

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Origin: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Origin, ...]: ...

    def __getitem__(self, index: int | slice) -> Origin | tuple[Origin, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._size)))
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("origin index out of range")
        run = bisect_right(self._starts, index) - 1
        chain, path, numbers = self._runs[run]
        return (*chain, SourceLocation(path, numbers[index - self._starts[run]]))

    def __iter__(self) -> Iterator[Origin]:
        for chain, path, numbers in self._runs:
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
