"""Differential property: whenever the static evaluator decides a condition (run or skip),
bash itself, evaluating the same condition in a sandboxed subprocess, agrees.

Conditions are built only from tests on variables (`[`, `test`, `[[`, `!`, `&&`, `||`,
`-a`/`-o`, string and integer operators, `$X`/`${X-d}`/`${X:-d}`/`${X+d}`/`${X:+d}`, quoting),
including malformed argument lists, over environments whose values are unset, empty, numeric,
padded, non-numeric, or operator-like. `MDRUN_FUZZ_EXAMPLES` raises the example count.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mdrun.model import EnvValue, Source
from mdrun.plan.guards import evaluate

EXAMPLES = int(os.environ.get("MDRUN_FUZZ_EXAMPLES", "200"))
NAMES = ("A", "B", "N")
VALUES = (
    "", "0", "1", "2", "-3", "+4", " 7", "7 ", "08", "010", "1 2", "abc", "a b", "-n", "-z",
    "!", "=", "(", ")", "-a", "-o", "]", "*", "x*", "99999999999999999999", "\t5", "-eq",
)  # fmt: skip

values = st.sampled_from(VALUES)
names = st.sampled_from(NAMES)
environments = st.dictionaries(names, values)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


@st.composite
def operands(draw: st.DrawFn) -> str:
    """The source text of one operand word."""
    name = draw(names)
    form = draw(st.sampled_from(["$X", "${X}", "${X-D}", "${X:-D}", "${X+D}", "${X:+D}"]))
    default = draw(st.sampled_from(["0", "1", "d", "", "a b"]))
    expansion = form.replace("X", name).replace("D", _quote(default) if " " in default else default)
    literal = draw(values)
    return draw(
        st.sampled_from(
            [f'"{expansion}"', expansion, _quote(literal), f'"{literal}"', f"x{expansion}"]
        )
    )


TEST_OPS = ("-n", "-z", "=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge")
TEST_OPS += ("!", "-a", "-o", "'('", "')'")
operators = st.sampled_from(TEST_OPS)


@st.composite
def bracket_tests(draw: st.DrawFn) -> str:
    """`[ … ]` / `test …` with 0-6 arguments: well-formed or not, bash's rules decide."""
    shaped = draw(st.booleans())
    if shaped:
        op = draw(st.sampled_from(TEST_OPS[:11]))
        args = (
            [op, draw(operands())]
            if op in ("-n", "-z")
            else [draw(operands()), op, draw(operands())]
        )
        if draw(st.booleans()):
            args.insert(0, "!")
    else:
        args = draw(st.lists(st.one_of(operands(), operators), max_size=6))
    if draw(st.booleans()):
        return "[ " + " ".join(args) + " ]"
    return "test " + " ".join(args)


def cond_terms(draw: st.DrawFn) -> str:
    op = draw(st.sampled_from(["-n", "-z", "", "==", "=", "!=", "-eq", "-ne", "-lt", "-gt"]))
    if op in ("-n", "-z"):
        return f"{op} {draw(operands())}"
    if not op:
        return draw(operands())
    return f"{draw(operands())} {op} {draw(operands())}"


@st.composite
def conditional_exprs(draw: st.DrawFn, depth: int = 0) -> str:
    if depth >= 2 or draw(st.booleans()):
        return cond_terms(draw)
    kind = draw(st.sampled_from(["!", "()", "&&", "||"]))
    inner = draw(conditional_exprs(depth + 1))
    if kind == "!":
        return f"! {inner}"
    if kind == "()":
        return f"( {inner} )"
    return f"{inner} {kind} {draw(conditional_exprs(depth + 1))}"


@st.composite
def commands(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["[", "[", "[[", "true", "false"]))
    if kind == "[[":
        return f"[[ {draw(conditional_exprs())} ]]"
    if kind in ("true", "false"):
        return kind
    return draw(bracket_tests())


@st.composite
def conditions(draw: st.DrawFn) -> str:
    parts = [draw(commands())]
    for _ in range(draw(st.integers(0, 2))):
        parts.append(draw(st.sampled_from(["&&", "||"])))
        parts.append(draw(commands()))
    text = " ".join(parts)
    return f"! {text}" if draw(st.integers(0, 4)) == 0 else text


def bash_says(condition: str, env: dict[str, str], cwd: Path) -> int:
    script = f"if {condition}\nthen exit 0\nelse exit 1\nfi\n"
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env=env,
        cwd=cwd,
        capture_output=True,
        timeout=10,
        check=False,
    )
    return done.returncode


def planned(env: dict[str, str]) -> dict[str, EnvValue]:
    return {k: EnvValue(v, Source("option")) for k, v in env.items()}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bash-sandbox")


@pytest.mark.timeout(max(120, EXAMPLES // 10))  # soak runs: ~20 ms per example on a busy box
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(condition=conditions(), env=environments)
def test_decided_verdicts_agree_with_bash(
    condition: str, env: dict[str, str], sandbox: Path
) -> None:
    verdict = evaluate(condition, planned(env))
    event(verdict.kind)
    if verdict.kind == "unknown":
        return
    status = bash_says(condition, env, sandbox)
    expected = 0 if verdict.kind == "run" else 1
    assert status == expected, f"{condition!r} with {env!r}: {verdict}; bash exit {status}"


DECIDED = [
    ('[ -n "$A" ]', {"A": "x"}),
    ("[ -n $A ]", {}),
    ("[ $A = x ]", {}),
    ("[ ${N-0} -gt 0 ]", {"N": "2"}),
    ("[ ${N-0} -gt 0 ]", {"N": ""}),
    ('[ "$N" -eq 7 ]', {"N": " 7"}),
    ('[ "$N" -eq 7 ]', {"N": "7 "}),
    ('[ "$N" -eq 8 ]', {"N": "08"}),
    ('[ "$N" -lt 0 ]', {"N": "abc"}),
    ('! [ "$N" -lt 0 ]', {"N": "abc"}),
    ('[ "$A" = "$B" -o -n "$N" ]', {"A": "1", "B": "2"}),
    ('[ ! "$A" ]', {"A": ""}),
    ("[ '(' \"$A\" ')' ]", {"A": ""}),
    ('[ "$A" "$B" ]', {"A": "!", "B": ""}),
    ('[ "$A" = ]', {"A": "="}),
    ('[ -n "$A" -a -z "$B" ]', {"A": "-o"}),
    ("[ ! -n $A -o ! -z $B ]", {"A": "a", "B": "b"}),
    ('[[ -n $A && $B == "x*" ]]', {"A": "1", "B": "x*"}),
    ("[[ $A == $B ]]", {"A": "a b", "B": "a b"}),
    ("[[ ! $A || ( -z $B && $N -eq 3 ) ]]", {"A": "1", "N": " 3"}),
    ('[ "${A:-d}" = d ] && [ "${B+set}" = set ]', {"A": "", "B": ""}),
    ('[ -z "${A:+x}" ] || false', {"A": "v"}),
    ("test", {}),
    ("test x -a '' -o y", {}),
    ("[ ]", {}),
    ("[ -z ]", {}),
    ("[ x -eq ]", {}),
    ('! [ ${B} == = "!" ] || test -z ${N} || false', {"B": "!", "N": "1 2"}),
]


@pytest.mark.parametrize(("condition", "env"), DECIDED)
def test_curated_conditions_are_decided_and_agree(
    condition: str, env: dict[str, str], sandbox: Path
) -> None:
    verdict = evaluate(condition, planned(env))
    assert verdict.kind != "unknown", verdict.reason
    assert bash_says(condition, env, sandbox) == (0 if verdict.kind == "run" else 1), verdict
