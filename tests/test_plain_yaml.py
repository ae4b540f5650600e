"""`load.plainyaml.read` reads plain YAML without PyYAML. Whatever it accepts, PyYAML's own loader
must read to the same value (types included: `yes` is True, `010` is 8) with the same lines for
the top-level keys and their items; what it cannot be sure of it must leave to PyYAML. Checked
over every frontmatter of the repository and the store, and over a generated corpus built from
the scalars and layouts YAML resolves in surprising ways."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mdrun.load.plainyaml import read
from mdrun.load.yamlhead import compose_with, load_yaml, marks_of
from tests.conftest import REPO, SHARED
from tests.test_frontmatter_yaml import _corpus


def _typed(value: Any) -> object:
    """`value` with every type spelled out (`True == 1` would hide a wrong resolution)."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


def _pyyaml(text: str) -> tuple[object, object]:
    data, node = compose_with(yaml.SafeLoader, text)
    return _typed(data), marks_of(node) if isinstance(data, dict) else {}


def _agrees(text: str) -> bool:
    """Whether `read` accepted `text`; fails the test where it accepted it wrongly."""
    ours = read(text)
    if ours is None:
        return False
    try:
        expected = _pyyaml(text)
    except yaml.YAMLError as exc:
        pytest.fail(f"read accepted a text PyYAML refuses ({exc}):\n{text}")
    assert (_typed(ours[0]), ours[1]) == expected, text
    return True


def test_every_frontmatter_of_the_repository_and_the_store_is_plain() -> None:
    # The speed this module exists for holds only if real heads do not fall back to PyYAML.
    corpus = _corpus()
    declined = [name for name, text in corpus if not _agrees(text)]
    assert declined == []
    assert len(corpus) > 150


SCALARS = [
    "a",
    "which jq",
    "pip-show ray[tune]",
    "http://x:8/y",
    "a#b",
    "a  b",
    "a # note",
    "x # y: z",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "true",
    "TRUE",
    "tRue",
    "null",
    "Null",
    "NULL",
    "~",
    "~/x",
    "0",
    "00",
    "7",
    "010",
    "012345",
    "0x1F",
    "0o7",
    "0b11",
    "1_000",
    "1:20",
    "190:20:30",
    "-1",
    "+1",
    "-",
    "--x",
    "-x",
    ".5",
    "._5",
    ".inf",
    ".NaN",
    "-.inf",
    ".",
    "..",
    "../a",
    "./b",
    "1.5",
    "1.",
    "1e3",
    "6.8523015e+5",
    "2022-08-27",
    "2001-12-14t21:59:43.10-05:00",
    "<<",
    "=",
    "=a",
    "a: b",
    "a:b",
    "a:",
    "'q'",
    "'it''s'",
    "''",
    "''''",
    "'''",
    "'a' # c",
    "'a'b",
    "'a' b",
    '"d"',
    '""',
    '"a\\tb"',
    '"a" # c',
    '"a"b',
    "[a, b]",
    "[null, /tmp/x/]",
    "[a,]",
    "[]",
    "[ ]",
    "[,]",
    "[a, , b]",
    "[a, [b]]",
    "[a:b]",
    "[a b, c]",
    "[yes, 010, ~]",
    "[a] # c",
    "[a]b",
    "{a: 1}",
    "&x a",
    "*x",
    "!!str 1",
    "|",
    "|-",
    "|+",
    ">",
    "%x",
    "@x",
    "`x`",
    "?x",
    "? x",
    ":x",
    "#",
    "a\u00e9",
    "a\tb",
    "a\\b",
    "$HOME",
    "${X:-y}",
    "a,b",
    "a]",
    "a}",
    "!x",
]
COMMON = [
    "a",
    "which jq",
    "pip-show ray[tune]",
    "./b",
    "../a",
    "yes",
    "null",
    "~",
    "0",
    "7",
    "'q'",
    '"d"',
    "[a, b]",
    "a # note",
    "true",
    "Off",
    "$HOME",
]
"""Scalars as real heads write them: most generated texts are plain, so both sides are tried."""
KEYS = ["a", "b-c", "a.b", "_x", "Validate", "on", "null", "yes", "1", "A b", "'k'", "k "]
LITERALS = [
    ["  one"],
    ["  one", "  two"],
    ["  one", "", "  two"],
    ["    deep", "  shallow"],
    ["  one", "    more"],
    ["  # not a comment", "  x"],
    ["  one", "   "],
    ["", "  one"],
    ["     ", "  one"],
    ["  one", ""],
    ["  a: b"],
]


def _scalar(rng: random.Random) -> str:
    return rng.choice(COMMON if rng.random() < 0.85 else SCALARS)


def _generated(rng: random.Random, depth: int = 0, indent: int = 0) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.08:
            lines.append(rng.choice(["", pad + "# comment", "#", "   "]))
        key = rng.choice(KEYS[:5] if rng.random() < 0.9 else KEYS)
        shape = rng.random()
        if shape < 0.55 or depth >= 2:
            lines.append(f"{pad}{key}: {_scalar(rng)}")
        elif shape < 0.7:
            lines.append(f"{pad}{key}:{rng.choice(['', ' ', ' # c'])}")
            step = rng.choice([0, 2, 4, 1])
            for _ in range(rng.randint(1, 3)):
                if rng.random() < 0.7:
                    lines.append(f"{pad}{' ' * step}- {_scalar(rng)}")
                else:
                    item = _generated(rng, depth + 1, indent + step + 2)
                    lines.append(f"{pad}{' ' * step}- {item[0].lstrip(' ')}")
                    lines += item[1:]
        elif shape < 0.85:
            lines.append(f"{pad}{key}:")
            lines += _generated(rng, depth + 1, indent + rng.choice([2, 4, 1]))
        else:
            lines.append(f"{pad}{key}: {rng.choice(['|', '|-', '|', '|2', '>'])}")
            lines += [pad + line if line.strip() else line for line in rng.choice(LITERALS)]
        if rng.random() < 0.05:
            lines.append(rng.choice(["", pad + "# comment", "#", "   "]))
    return lines


def test_a_generated_corpus_reads_as_pyyaml_reads_it_or_falls_back() -> None:
    rng = random.Random(20261201)
    accepted = declined = 0
    for _ in range(4000):
        text = "\n".join(_generated(rng)) + rng.choice(["", "\n", "\n\n"])
        if _agrees(text):
            accepted += 1
        else:
            declined += 1
    # Both sides must be exercised for the comparison to mean anything.
    assert accepted > 1000 and declined > 1000, (accepted, declined)


@pytest.mark.parametrize("scalar", SCALARS)
def test_each_scalar_after_a_key_and_as_an_item(scalar: str) -> None:
    for text in (f"k: {scalar}", f"k: {scalar}\n", f"k:\n  - {scalar}\n  - x", f"- {scalar}"):
        _agrees(text)


@pytest.mark.parametrize(
    "text",
    [
        "imports:\n    - kubernetes/kubectl\n    - ./label-selectors\n",
        "imports:\n- a\n- b\ntitle: t\n",
        "imports:\n  - path: a\n    group: g\n    env:\n      A: b\n  - c\n",
        'validate: |\n  [ -n "$X" ]\n  which y\n',
        "inputs:\n  A: null   # the URL\n  B: [null, /tmp/logs/]\n",
        'barrier: true\nvalidate: ibmcloud target | tail -1 | grep -qv "Not logged in"\n',
    ],
)
def test_the_shapes_real_heads_use_are_read_here(text: str) -> None:
    assert _agrees(text)


@pytest.mark.parametrize("text", ["a: 1\n  b: 2\n", "a: b: c\n", "- a\nb: 1\n", "k: 'open\n"])
def test_what_pyyaml_refuses_is_left_to_it(text: str) -> None:
    assert read(text) is None
    with pytest.raises(yaml.YAMLError):
        load_yaml(text)


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "--- a\n", "k: &x v\nl: *x\n", "k: >\n  a\n"])
def test_what_pyyaml_reads_its_own_way_is_left_to_it(text: str) -> None:
    assert read(text) is None
    data, node = compose_with(yaml.SafeLoader, text)
    assert load_yaml(text) == (data, marks_of(node) if isinstance(data, dict) else {})


def _imports_pyyaml(*argv: str) -> bool:
    code = (
        "import sys\nfrom mdrun.cli import main\nrc = main(sys.argv[1:])\n"
        "print('yaml' in sys.modules, file=sys.stderr)\nsys.exit(rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stderr.splitlines()[-1] == "True"


def test_planning_the_repositorys_runbook_leaves_pyyaml_unimported() -> None:
    assert not _imports_pyyaml("plan", str(REPO / "runbooks" / "stream-logs.md"))


@pytest.mark.shared("store", "guidebooks")
def test_planning_the_stores_logs_guidebook_leaves_pyyaml_unimported(tmp_path: Path) -> None:
    store = SHARED / "store" / "guidebooks"
    assert not _imports_pyyaml("plan", "--store", str(store), str(store / "ml/ray/run/logs.md"))
    # The same check sees PyYAML where a head needs it.
    (tmp_path / "rb.md").write_text("---\nimports: &x [a]\n---\n# T\n")
    (tmp_path / "a.md").write_text("# A\n")
    assert _imports_pyyaml("plan", "--store", str(tmp_path), str(tmp_path / "rb.md"))
