"""How reasons write values: bare when plain, else quoted exactly as JSON would."""

from __future__ import annotations

import json
import random

import pytest

from mdrun.shell.scope import show


@pytest.mark.parametrize("value", ["abc", "a/b:c@d", "1.5", "x=y", "-n"])
def test_plain_values_are_bare(value: str) -> None:
    assert show(value) == value


def test_other_values_are_quoted_like_json() -> None:
    rng = random.Random(7)
    alphabet = [chr(i) for i in range(0x80)] + ["é", "\u2028", "\x7f", "😀", "\ud7ff"]
    for _ in range(5000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        if show(value) != value:
            assert show(value) == json.dumps(value, ensure_ascii=False), value
    assert show("") == '""' and show("]") == '"]"' and show('a"\n') == '"a\\"\\n"'
