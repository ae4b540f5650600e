"""`Origins`: runs of lines that build each origin on access, and behave like the tuple they replace."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdrun.load.loader import load_document
from mdrun.load.origins import Origins
from mdrun.model import LoadOptions, Origin, SourceLocation

A = SourceLocation("a.md", 7)


def as_tuple() -> tuple[Origin, ...]:
    return (
        (SourceLocation("r.md", 1),),
        (SourceLocation("r.md", 2),),
        (A, SourceLocation("b.md", 3)),
        (A, SourceLocation("b.md", 4)),
        (A, SourceLocation("b.md", 9)),
        (SourceLocation("r.md", 3),),
    )


def runs() -> Origins:
    # An empty run in the middle and one at the end hold no line.
    return Origins(
        [
            ((), "r.md", range(1, 3)),
            ((A,), "b.md", ()),
            ((A,), "b.md", [3, 4, 9]),
            ((), "r.md", (3,)),
            ((), "x.md", range(5, 5)),
        ]
    )


def test_indexing_and_iteration_match_the_tuple() -> None:
    origins, expected = runs(), as_tuple()
    assert len(origins) == len(expected)
    assert [origins[i] for i in range(len(expected))] == list(expected)
    assert [origins[i] for i in range(-1, -len(expected) - 1, -1)] == list(reversed(expected))
    assert tuple(origins) == expected
    assert origins[1:4] == expected[1:4]
    assert origins[::-2] == expected[::-2]
    assert list(enumerate(origins)) == list(enumerate(expected))


def test_every_slice_matches_the_tuples_across_empty_runs() -> None:
    # A block's body lines are taken as one slice, run by run.
    origins, expected = runs(), as_tuple()
    for start in range(-8, 9):
        for stop in range(-8, 9):
            assert origins[start:stop] == expected[start:stop], (start, stop)
            assert origins[start:stop:2] == expected[start:stop:2], (start, stop)


def test_out_of_range_index_raises() -> None:
    origins = runs()
    with pytest.raises(IndexError):
        origins[6]
    with pytest.raises(IndexError):
        origins[-7]
    with pytest.raises(IndexError):
        Origins()[0]


def test_equal_and_hashed_like_the_tuple() -> None:
    origins, expected = runs(), as_tuple()
    assert origins == expected
    assert expected == origins
    assert origins == list(expected)
    assert origins == runs()
    assert hash(origins) == hash(expected)
    assert origins != expected[:-1]
    assert origins != (*expected[:-1], (SourceLocation("r.md", 4),))
    assert origins != "r.md"
    assert not Origins()
    assert Origins() == ()


def test_document_origins_equal_their_tuple(tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text('# R\n--8<-- "s.md"\nend\n')
    (tmp_path / "s.md").write_text("one\ntwo\n")
    doc = load_document(str(tmp_path / "r.md"), LoadOptions(base_paths=(str(tmp_path),)))
    shown = [(o[-1].path.rsplit("/", 1)[-1], o[-1].line, len(o)) for o in doc.origins]
    assert shown == [
        ("r.md", 1, 1),
        ("s.md", 1, 2),
        ("s.md", 2, 2),
        ("s.md", 3, 2),
        ("r.md", 3, 1),
        ("r.md", 4, 1),
    ]
    assert doc.origins == tuple(doc.origins)
    assert doc == doc.__class__(doc.path, doc.text, tuple(doc.origins), doc.frontmatter)
