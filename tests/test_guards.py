"""Static guard evaluation: verdicts, branch names and reasons, with nothing executed."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdrun.model import EnvValue, Source
from mdrun.plan.guards import Guard, block_guard, block_verdict, evaluate
from tests.conftest import make_block


def env(**values: str) -> dict[str, EnvValue]:
    return {k: EnvValue(v, Source("option")) for k, v in values.items()}


block = partial(make_block, 1, name="b", line=9)
"""A block fenced at rb.md:9, its body from line 10."""


CASES = [
    # (condition, env, kind, reason)
    ('[ -n "$X" ]', env(X="1"), "run", "X is set (from -e)"),
    ('[ -n "$X" ]', env(), "skip", "X is unset"),
    ('[ -z "$X" ]', env(X=""), "run", "X is empty (from -e)"),
    # the classic: `[ -n ]` is true
    ("[ -n $X ]", env(), "run", "X is unset, unquoted, gives 0 words; -n is not empty"),
    ("[ ${NUM_GPUS-0} -gt 0 ]", env(), "skip", "NUM_GPUS is unset, default 0, so 0 -gt 0 is false"),
    (
        "[ ${NUM_GPUS-0} -gt 0 ]",
        env(NUM_GPUS="2"),
        "run",
        "NUM_GPUS=2 (from -e), so 2 -gt 0 is true",
    ),
    ("[ ${NUM_GPUS-0} -gt 0 ]", env(NUM_GPUS=""), "skip", None),  # `[ -gt 0 ]`: 2 args, error
    (
        '[ "${N:-0}" -ge 1 ]',
        env(N=""),
        "skip",
        "N is empty (from -e), default 0, so 0 -ge 1 is false",
    ),
    (
        '[ "${X:+yes}" = yes ]',
        env(X="a"),
        "run",
        "X is set (from -e), giving yes, so yes = yes is true",
    ),
    ('[ "${X+yes}" = yes ]', env(X=""), "run", None),
    ('[ "${X:+yes}" = yes ]', env(X=""), "skip", None),
    ("[ abc -eq 1 ]", env(), "skip", None),
    ("! [ abc -eq 1 ]", env(), "run", None),
    ('[ " 7" -eq 7 ]', env(), "run", None),
    ("test $A = $B", env(A="x", B="x"), "run", "A=x (from -e); B=x (from -e), so x = x is true"),
    ('[ "$A" != b ]', env(A="b"), "skip", None),
    ('[ "$A" == b ]', env(A="b"), "run", None),
    ("[ '$A' = '$A' ]", env(), "run", None),
    ('[ \\$A = "\\$A" ]', env(), "run", None),
    ('[ "$A" = x -o "$B" = y ]', env(A="x", B="q"), "run", "A=x (from -e), so x = x is true"),
    ('[ "$A" = x -a "$B" = y ]', env(A="x", B="q"), "skip", "B=q (from -e), so q = y is false"),
    ('[ ! -n "$A" ]', env(A="x"), "skip", None),
    ('[ -z "$S" ] || [ "$S" = x ]', env(S="y"), "skip", None),
    ('[ -n "$A" ] && [ -n "$B" ]', env(A="1"), "skip", "B is unset"),
    ("true && ! false", env(), "run", None),
    ('{ [ -n "$A" ]; }', env(A="1"), "run", None),
    (
        "[[ -n $X && $Y == b ]]",
        env(X="a", Y="b"),
        "run",
        "X is set (from -e); Y=b (from -e), so b == b is true",
    ),
    ("[[ -z $X || $X = no ]]", env(X="no"), "run", None),
    ("[[ ! ( -n $X ) ]]", env(), "run", None),
    ("[[ $N -lt 10 ]]", env(N="3"), "run", None),
    ("[[ $X ]]", env(X="a b"), "run", None),
    ("[ $X ]", env(X="a b"), "skip", None),  # two words: `[ a b ]` is an error
    (
        "[ ${X:-a b} = 'a b' ]",
        env(),
        "skip",
        (
            'X is unset, default "a b", unquoted, gives 2 words; too many arguments'
            " (the test fails with status 2)"
        ),
    ),
    (
        '[ "$TOKEN" = hunter2 ]',
        env(TOKEN="hunter2"),
        "run",
        "TOKEN=*** (from -e), so *** = *** is true",
    ),
    # needing execution
    (
        '[ "$(curl -s http://x)" = 200 ]',
        env(),
        "unknown",
        "condition needs command substitution $(curl -s http://x)",
    ),
    ("[ `id -u` = 0 ]", env(), "unknown", None),
    ("[ $((1+1)) = 2 ]", env(), "unknown", None),
    ("[ -f /etc/passwd ]", env(), "unknown", "condition needs a file test -f /etc/passwd"),
    ("[ -d $HOME ]", env(HOME="/root"), "unknown", None),
    ("[ ${#X} -gt 1 ]", env(X="ab"), "unknown", None),
    ("[ $X = a ]", env(X="*"), "unknown", None),  # pathname expansion
    ("[[ $X == a* ]]", env(X="ab"), "unknown", None),  # pattern
    ("[[ $N -eq 010 ]]", env(N="8"), "unknown", None),  # octal in arithmetic
    (
        '[ -n "$X" ]',
        {"X": EnvValue(None, Source("exported", 'block "init" at a.md:3'))},
        "unknown",
        None,
    ),
    (
        '[ "$X" = a ]',
        {"X": EnvValue(None, Source("exported", 'block "init" at a.md:3'))},
        "unknown",
        None,
    ),
    ('[ -n "$X" ]', {"X": EnvValue("1", Source("option"), certain=False)}, "unknown", None),
    ('[ "${X+set}" = set ]', {"X": EnvValue(None, Source("option"))}, "run", None),
    ("check_it && [ -n x ]", env(), "unknown", "condition needs to run `check_it`"),
    ('[ -n "$X" ] && check_it', env(), "skip", "X is unset"),
    ('read X; [ -n "$X" ]', env(), "unknown", None),
    ("[ -n x ] | cat", env(), "unknown", None),
    ("[ -n x ] &>/dev/null", env(), "run", None),
    ("[ -n x ] 2>/dev/null", env(), "run", None),
    ("[ -n x ] > out.txt", env(), "unknown", None),  # creating the file might fail
    # variables bash (or mdrun) sets itself
    ('[ -n "$HOSTNAME" ]', env(), "unknown", None),
    ('[ "$SHLVL" = 1 ]', env(SHLVL="1"), "unknown", None),
    ('[ -n "$BASH_VERSION" ]', env(), "unknown", None),
    ('[ -z "$PATH" ]', env(), "unknown", "bash gives PATH a default value when it is unset"),
    ('[ -z "$PATH" ]', env(PATH="/bin"), "skip", None),
    ('[ -n "$MDRUN_RUN_ID" ]', env(), "unknown", None),
]


@pytest.mark.parametrize(("condition", "environment", "kind", "reason"), CASES)
def test_conditions(
    condition: str, environment: dict[str, EnvValue], kind: str, reason: str | None
) -> None:
    verdict = evaluate(condition, environment)
    assert verdict.kind == kind, verdict.reason
    if reason is not None:
        assert verdict.reason == reason


def test_a_value_set_by_a_block_is_unknown_only_when_its_value_matters() -> None:
    jobs = {"JOB_ID": EnvValue(None, Source("exported", 'block "capture" at jobs.md:4'))}
    verdict = evaluate('[ "$JOB_ID" = x ]', jobs)
    assert verdict.reason == (
        'JOB_ID is set but its value is unknown (exported by block "capture" at jobs.md:4)'
    )


IF_BODY = """\
# pick a branch
if [ "$MODE" = a ]; then
  echo a
elif [ "$MODE" = b ]; then
  echo b
else
  echo other
fi
"""


@pytest.mark.parametrize(
    ("mode", "branch", "reason"),
    [
        ("a", "if", "if true: MODE=a (from -e), so a = a is true"),
        (
            "b",
            "elif 1",
            "if false: MODE=b (from -e), so b = a is false; elif 1 true: MODE=b (from -e), so b = b is true",
        ),
        (
            "c",
            "else",
            "if false: MODE=c (from -e), so c = a is false; elif 1 false: MODE=c (from -e), so c = b is false",
        ),
    ],
)
def test_if_elif_else_names_the_branch(mode: str, branch: str, reason: str) -> None:
    verdict = block_verdict(block(IF_BODY), env(MODE=mode))
    assert (verdict.kind, verdict.branch, verdict.reason) == ("run", branch, reason)


def test_if_without_else_skips_when_no_branch_is_taken() -> None:
    body = 'if [ -n "$A" ]; then x; elif [ -n "$B" ]; then y; fi'
    assert block_verdict(block(body), env()).kind == "skip"
    assert block_verdict(block(body), env(B="1")).branch == "elif 1"


def test_undecidable_condition_before_the_taken_one_is_unknown() -> None:
    body = 'if [ -f /x ]; then x; elif [ -n "$B" ]; then y; fi'
    verdict = block_verdict(block(body), env(B="1"))
    assert verdict.kind == "unknown"
    assert verdict.reason == "condition needs a file test -f /x"


def test_false_condition_before_an_undecidable_one_still_skips_if_all_false() -> None:
    body = 'if [ -n "$A" ]; then x; elif [ -f /x ] && [ -n "$B" ]; then y; fi'
    assert block_verdict(block(body), env()).kind == "skip"


def test_and_guard() -> None:
    body = '[ -n "$A" ] && [ "$B" = 1 ] && echo both\n'
    assert block_verdict(block(body), env(A="x", B="1")).kind == "run"
    assert block_verdict(block(body), env(A="x")).reason == 'B is unset, so "" = 1 is false'
    assert block_guard(block(body)) == Guard(None, "and", ('[ -n "$A" ] && [ "$B" = 1 ]',), False)


@pytest.mark.parametrize(
    "body",
    [
        "echo hi",
        '[ -n "$A" ] || echo unset',
        'if [ -n "$A" ]; then x; fi\necho after',
        '[ -n "$A" ]',
        "curl x && echo ok",
    ],
)
def test_unguarded_bodies_run(body: str) -> None:
    assert block_guard(block(body)) is None
    assert block_verdict(block(body), env()) == block_verdict(block(body), env(A="1"))
    assert block_verdict(block(body), env()).reason == "no guard"


def test_when_is_anded_with_the_body_guard() -> None:
    b = block('if [ -n "$A" ]; then x; fi', when='[ "$ENV" = prod ]')
    assert (
        block_verdict(b, env(ENV="dev", A="1")).reason
        == "when: ENV=dev (from -e), so dev = prod is false"
    )
    assert block_verdict(b, env(ENV="prod")).kind == "skip"
    verdict = block_verdict(b, env(ENV="prod", A="1"))
    assert (verdict.kind, verdict.branch) == ("run", "if")
    assert verdict.reason == "when: ENV=prod (from -e), so prod = prod is true; A is set (from -e)"
    unknown_when = block('if [ -n "$A" ]; then x; fi', when="[ -f /x ]")
    assert block_verdict(unknown_when, env()).kind == "skip"
    assert block_verdict(unknown_when, env(A="1")).kind == "unknown"
    assert block_guard(b) == Guard('[ "$ENV" = prod ]', "if", ('[ -n "$A" ]',), False)


def test_when_on_a_plain_body() -> None:
    b = block("echo hi", when='[ -n "$GO" ]')
    assert block_verdict(b, env(GO="1")) == block_verdict(b, env(GO="2"))
    assert block_verdict(b, env(GO="1")).reason == "when: GO is set (from -e)"
    assert block_verdict(b, env()).kind == "skip"


def test_unparseable_bodies_do_not_raise() -> None:
    guarded = block("if [ -n x ]; then ( y; fi")
    assert block_verdict(guarded, env()).kind == "unknown"
    assert block_verdict(guarded, env()).reason.startswith("could not parse the body")
    plain = block("y )")
    assert block_verdict(plain, env()).kind == "run"
    assert evaluate("[ -n ( ]]", env()).kind in ("unknown", "skip")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]!&|;() -nzeqtf$\"'`{}\\=abXY01\n")), max_size=30))
def test_evaluator_never_raises(text: str) -> None:
    evaluate(text, env(X="1", Y=""))
    block_verdict(block(text), env(X="1"))
    block_verdict(block("echo", when=text), env())


CANARY_CONDITIONS = [
    '[ -n "$(touch {c})" ]',
    "[ `touch {c}` ]",
    "[[ $(touch {c}) ]]",
    "touch {c}",
    "[ -n x ] && touch {c}",
    '[ "${{X:-$(touch {c})}}" ]',
    "eval 'touch {c}'",
    "( touch {c} )",
    "[ -n <(touch {c}) ]",
]


@pytest.mark.parametrize("template", CANARY_CONDITIONS)
def test_guards_never_execute(
    template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    canary = tmp_path / "CANARY"
    condition = template.format(c=canary)
    evaluate(condition, env())
    body = f"if {condition}; then\n  touch {canary}\nfi"
    block_verdict(block(body, when=condition), env())
    block_guard(block(body))
    assert not canary.exists()
