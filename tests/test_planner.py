"""Planning: the environment flowing through blocks, verdicts in context, and nothing executed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdrun.blocks.extract import load_runbook
from mdrun.errors import BlockError
from mdrun.model import (
    Block,
    Document,
    EnvValue,
    LoadOptions,
    Plan,
    Runbook,
    Source,
)
from mdrun.plan.environment import initial_environment
from mdrun.plan.planner import environment_after, plan
from tests.conftest import make_block

SEEDLIKE = Path(__file__).parent / "fixtures" / "seedlike"


def runbook(*bodies: str | Block) -> Runbook:
    blocks = tuple(
        b if isinstance(b, Block) else make_block(i, b, line=10 * i)
        for i, b in enumerate(bodies, start=1)
    )
    return Runbook("rb.md", Document("rb.md", "", ()), blocks)


def env(**values: str) -> dict[str, EnvValue]:
    return {k: EnvValue(v, Source("option")) for k, v in values.items()}


def final(p: Plan, probe: str = "true") -> dict[str, EnvValue]:
    """The environment after the last block (the plan of one more, empty block)."""
    extended = runbook(*(pb.block for pb in p.blocks), make_block(len(p.blocks) + 1, probe))
    return dict(plan(extended, p.initial_env).blocks[-1].env)


def test_exports_flow_to_later_guards_with_their_origin() -> None:
    init = make_block(
        1, "# init\nexport STREAMCONSUMER_LOGS=/tmp/logs", "init", "snippets/logs/init.md", 38
    )
    console = make_block(
        2, 'if [ -z "$STREAMCONSUMER_LOGS" ]; then\n  ray job logs -f\nfi', line=50
    )
    p = plan(runbook(init, console), env())
    verdict = p.blocks[1].verdict
    assert verdict.kind == "skip"
    assert verdict.reason == (
        'STREAMCONSUMER_LOGS is set (exported by block "init" at snippets/logs/init.md:40)'
    )
    assert p.blocks[1].env["STREAMCONSUMER_LOGS"].value == "/tmp/logs"
    assert "STREAMCONSUMER_LOGS" not in p.blocks[0].env


@pytest.mark.parametrize(
    ("body", "name", "value"),
    [
        ("export X=1", "X", "1"),
        ("X=1; export X", "X", "1"),
        ("X=1\nexport X", "X", "1"),
        ("export X\nX=2", "X", "2"),
        ("declare -x X=3", "X", "3"),
        ("typeset -x X=3", "X", "3"),
        ("X=a; declare -x X", "X", "a"),
        ('export X="$HOME/bin"', "X", "/home/u/bin"),
        ("export X=${MISSING:-fallback}", "X", "fallback"),
        ("export X=$HOME:$HOME", "X", "/home/u:/home/u"),
        ("export HOME=/root", "HOME", "/root"),
        ("HOME=/elsewhere", "HOME", "/elsewhere"),  # already exported: stays exported
        ("export PATH+=:/opt", "PATH", "/bin:/opt"),
        ("set -a\nX=4", "X", "4"),
        ("export A=1 B=2", "B", "2"),
        ("export X=$(date)", "X", None),
        ("export X=`date`", "X", None),
        ("export X=~/bin", "X", None),
        ("export X=/a:~/bin", "X", None),
        ("export X='~/literal'", "X", "~/literal"),
        ("export X=$((1 + 2))", "X", None),
        ("read -r X; export X", "X", None),
        ("declare -ix X=1+1", "X", None),
    ],
)
def test_exported_values(body: str, name: str, value: str | None) -> None:
    after = final(plan(runbook(body), env(HOME="/home/u", PATH="/bin")))
    assert after[name].value == value
    assert after[name].certain


@pytest.mark.parametrize(
    "body",
    [
        "X=1",  # a shell variable: the next block is a new bash
        "export X=1 | cat",  # pipelines run in subshells
        "( export X=1 )",
        "export X=1 &",
        "f() { export X=1; }",
        "echo export X=1",
        "export -n HOME; X=1",
        "declare X=1",
        "X=1 cmd",
        "# export X=1",
        "[ -z x ] && export X=1",
    ],
)
def test_statements_that_export_nothing(body: str) -> None:
    after = final(plan(runbook(body), env(HOME="/h")))
    assert "X" not in after


def test_unset_and_its_reason() -> None:
    p = plan(runbook("unset GONE", 'if [ -n "$GONE" ]; then echo; fi'), env(GONE="1"))
    assert "GONE" not in p.blocks[1].env
    assert p.blocks[1].verdict.reason == 'GONE is unset (unset by block "b1" at rb.md:11)'


def test_export_n_unexports() -> None:
    assert "HOME" not in final(plan(runbook("export -n HOME"), env(HOME="/h")))


def test_only_the_taken_branch_changes_the_environment() -> None:
    body = 'if [ "$MODE" = a ]; then\n  export PICK=a\nelse\n  export PICK=other\n  unset MODE\nfi'
    assert final(plan(runbook(body), env(MODE="a")))["PICK"].value == "a"
    after = final(plan(runbook(body), env(MODE="b")))
    assert after["PICK"].value == "other"
    assert "MODE" not in after


def test_an_undecidable_branch_makes_changes_uncertain() -> None:
    body = "if [ -f /etc/x ]; then\n  export A=1 B=1\nelse\n  export A=2\nfi"
    after = final(plan(runbook(body), env()))
    assert after["A"] == EnvValue(None, Source("exported", 'block "b1" at rb.md:12'), certain=True)
    assert not after["B"].certain
    assert after["B"].value == "1"
    probe = plan(runbook(body, '[ -n "$B" ] && echo b'), env()).blocks[1].verdict
    assert probe.kind == "unknown"
    assert probe.reason.startswith("B is only maybe set")


def test_nested_if_and_and_or_lists_in_an_unguarded_body() -> None:
    body = (
        "echo start\n"
        '[ -n "$A" ] && export FROM_AND=yes\n'
        '[ -n "$A" ] || export FROM_OR=yes\n'
        'if [ "$A" = 1 ]; then export NESTED=one; fi\n'
        "curl -s x && export MAYBE=1\n"
        "for f in a b; do export LOOPED=$f; done\n"
        "while false; do export W=1; done"
    )
    after = final(plan(runbook(body), env(A="1")))
    assert after["FROM_AND"].value == "yes"
    assert "FROM_OR" not in after
    assert after["NESTED"].value == "one"
    assert not after["MAYBE"].certain
    assert not after["LOOPED"].certain and after["LOOPED"].value is None
    assert not after["W"].certain


def test_skipped_and_async_blocks_do_not_change_later_environments() -> None:
    skipped = make_block(1, '[ -n "$NOPE" ] && export A=1', line=10)
    background = make_block(2, "export B=1\nsleep 100", line=20, is_async=True)
    p = plan(runbook(skipped, background, "true"), env())
    assert p.blocks[0].verdict.kind == "skip"
    assert p.blocks[1].verdict.kind == "run"
    assert dict(p.blocks[2].env) == {}


def test_async_blocks_start_with_the_environment_at_their_position() -> None:
    p = plan(runbook("export A=1", make_block(2, '[ -n "$A" ] && tail -f x', is_async=True)), env())
    assert p.blocks[1].verdict.kind == "run"
    assert p.blocks[1].env["A"].value == "1"


def test_finally_blocks_see_the_final_environment() -> None:
    cleanup = make_block(1, 'if [ -n "$KEEP" ]; then rm -r x; fi', cleanup=True)
    p = plan(runbook(cleanup, "export TMPDIR_MADE=1"), env(KEEP="1"))
    assert [pb.block.index for pb in p.blocks] == [1, 2]
    assert p.blocks[0].verdict.kind == "run"
    assert p.blocks[0].env["TMPDIR_MADE"].value == "1"


def test_finally_verdict_must_hold_wherever_the_run_stops() -> None:
    cleanup = make_block(1, 'if [ -n "$TMPDIR_MADE" ]; then rm -r x; fi', cleanup=True)
    p = plan(runbook(cleanup, "export TMPDIR_MADE=1"), env())
    verdict = p.blocks[0].verdict
    assert verdict.kind == "unknown"
    assert verdict.reason.startswith("run if the run completes, but not if it stops earlier")


def test_source_and_eval_make_every_later_variable_unknown() -> None:
    for opener in ("source ./env.sh", ". ./env.sh", 'eval "$SETUP"'):
        p = plan(runbook(opener, 'if [ -n "$X" ]; then echo; fi'), env())
        verdict = p.blocks[1].verdict
        assert verdict.kind == "unknown", opener
        assert "may have been changed by" in verdict.reason


def test_exit_stops_the_block() -> None:
    after = final(plan(runbook("export A=1\nexit 0\nexport B=1"), env()))
    assert "A" in after and "B" not in after


def test_cd_makes_pwd_unknown() -> None:
    after = final(plan(runbook("cd /tmp"), env(PWD="/home")))
    assert after["PWD"].value is None


def test_unparseable_block_makes_what_it_may_set_maybe_set() -> None:
    # The stray `fi` is a syntax error: the block cannot be parsed.
    body = 'case "$X" in\n  a) export Y=1;;\n  b) read -r Z; unset W;;\nesac\nfi'
    guard = 'if [ -n "${name}" ]; then echo; fi'
    names = ("Y", "Z", "W", "OTHER")
    p = plan(runbook(body, *(guard.format(name=n) for n in names)), env(W="1"))
    assert p.blocks[0].verdict.kind == "run"
    kinds = [pb.verdict.kind for pb in p.blocks[1:]]
    assert kinds == ["unknown", "unknown", "unknown", "skip"]
    assert p.blocks[1].verdict.reason.startswith("Y is only maybe set (maybe changed by block")
    quiet = plan(runbook("case $X in a) echo;; esac; fi", 'if [ -n "$Y" ]; then echo; fi'), env())
    assert quiet.blocks[1].verdict.kind == "skip"
    opened = plan(runbook("case $X in a) source f;; esac; fi", '[ -n "$Y" ] && echo'), env())
    assert opened.blocks[1].verdict.kind == "unknown"


def test_case_arms_are_maybes_unless_one_always_runs() -> None:
    body = 'case "$X" in\n  a) export Y=1;;\n  b) unset W;;\nesac'
    guard = 'if [ -n "${name}" ]; then echo; fi'
    p = plan(runbook(body, *(guard.format(name=n) for n in ("Y", "W", "OTHER"))), env(W="1"))
    assert [pb.verdict.kind for pb in p.blocks] == ["run", "unknown", "unknown", "skip"]
    always = 'case "$X" in\n  a) export Y=1;;\n  *) export Y=1;;\nesac'
    assert final(plan(runbook(always), env()))["Y"].value == "1"


def test_environment_after() -> None:
    block = make_block(1, 'if [ -n "$A" ]; then export B=2; fi')
    assert environment_after(block, env(A="1"))["B"].value == "2"
    assert "B" not in environment_after(block, env())
    start = env(C="3")
    assert environment_after(make_block(1, "unset C"), start) == {}
    assert start == env(C="3")


def test_planning_is_deterministic_and_keeps_the_initial_environment() -> None:
    rb = runbook("export A=$(date)", 'if [ -n "$A" ]; then echo; fi', "unset HOME")
    first, second = plan(rb, env(HOME="/h")), plan(rb, env(HOME="/h"))
    assert first == second
    assert first.initial_env == env(HOME="/h")


def test_secret_values_are_redacted_in_reasons() -> None:
    p = plan(runbook("export API_TOKEN=hunter2", '[ "$API_TOKEN" = hunter2 ] && echo'), env())
    assert "hunter2" not in p.blocks[1].verdict.reason
    assert p.blocks[1].verdict.kind == "run"


# --- the seed-shaped runbook ---------------------------------------------------------------


def seedlike(monkeypatch: pytest.MonkeyPatch, *assignments: str) -> Plan:
    monkeypatch.chdir(SEEDLIKE)
    rb = load_runbook("stream-logs.md", LoadOptions())
    return plan(rb, initial_environment({"PATH": "/usr/bin"}, list(assignments), []))


def verdicts(p: Plan) -> dict[str, str]:
    return {pb.block.name: pb.verdict.kind for pb in p.blocks}


def test_seedlike_log_blocks_flip_with_streamconsumer_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    unset = verdicts(seedlike(monkeypatch))
    set_ = verdicts(seedlike(monkeypatch, "STREAMCONSUMER_LOGS=/tmp/logs"))
    console = next(n for n in unset if "console" in n)
    websocket = next(n for n in unset if "websocket" in n)
    assert (unset[console], unset[websocket]) == ("run", "skip")
    assert (set_[console], set_[websocket]) == ("skip", "run")


def test_seedlike_gpu_block_flips_with_num_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    assert verdicts(seedlike(monkeypatch, "NUM_GPUS=0"))["gpu-utilization"] == "skip"
    two = seedlike(monkeypatch, "NUM_GPUS=2")
    gpu = next(pb for pb in two.blocks if pb.block.name == "gpu-utilization")
    assert (gpu.verdict.kind, gpu.verdict.branch) == ("run", "if")
    assert gpu.verdict.reason == "NUM_GPUS=2 (from -e), so 2 -gt 0 is true"


def test_seedlike_job_id_is_set_value_unknown_after_the_job_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = seedlike(monkeypatch)
    later = p.blocks[-1].env["JOB_ID"]
    assert later.value is None and later.certain
    known = seedlike(monkeypatch, "JOB_ID=raysubmit_1")
    assert known.blocks[-1].env["JOB_ID"].value == "raysubmit_1"


# --- canaries: planning executes nothing ------------------------------------------------------


def test_planning_never_executes_anything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    canary = tmp_path / "CANARY"
    touch = f"touch {canary}"
    env_file = tmp_path / "vars.env"
    env_file.write_text(f"FROM_FILE=$({touch})\nexport Q=`{touch}`\n", encoding="utf-8")
    bodies = [
        f'[ "$FROM_FILE" = x ] && [ "$FROM_CLI" = y ] && {touch}',
        f"export A=$({touch})",
        f'if [ -n "$({touch})" ]; then\n  {touch}\nfi',
        f"[[ $({touch}) ]] && {touch}",
        f'export B="`{touch}`"; X=$({touch}); export X',
        f"{touch}\nsource <({touch})\neval '{touch}'",
        f"case $({touch}) in *) {touch};; esac",
        f'while [ -n "$({touch})" ]; do {touch}; done',
        make_block(8, touch, when=f'[ -n "$({touch})" ]'),
        make_block(9, touch, is_async=True, when=f"{touch}"),
    ]
    initial = initial_environment({}, [f"FROM_CLI=$({touch})"], [str(env_file)])
    rb = runbook(*bodies)
    p = plan(rb, initial)
    for pb in p.blocks:
        environment_after(pb.block, pb.env, pb.verdict)
    assert not canary.exists()
    assert p.blocks[0].verdict.kind == "skip"  # env values are literal text, not run
    assert [pb.verdict.kind for pb in p.blocks[-2:]] == ["unknown", "unknown"]


SHELLISH = st.lists(
    st.sampled_from(
        [
            "export", "unset", "declare -x", "X=1", "Y=$X", "A+=b", "if", "then", "elif",
            "else", "fi", "[", "]", "[[", "]]", "test", "-n", "-z", "=", "-eq", "&&", "||", ";",
            "\n", "|", "&", "(", ")", "{", "}", "!", '"$X"', "'a b'", "$(date)", "`id`",
            "${X:-d}", "${X+y}", "for", "in", "do", "done", "while", "true", "false", "source",
            "eval", "read", "set -a", "cd", "exit", "<<EOF\nx\nEOF", "#", "$((1+2))", "case",
            "esac", "X", "echo",
        ]
    ),
    max_size=25,
).map(" ".join)  # fmt: skip


@settings(max_examples=int(os.environ.get("MDRUN_FUZZ_EXAMPLES", "300")), deadline=None)
@given(bodies=st.lists(SHELLISH, min_size=1, max_size=3), when=st.none() | SHELLISH)
def test_planning_never_raises(bodies: list[str], when: str | None) -> None:
    blocks = [make_block(i, body, line=10 * i) for i, body in enumerate(bodies, start=1)]
    blocks[0] = make_block(1, bodies[0], when=when)
    try:
        p = plan(runbook(*blocks), env(X="1"))
    except BlockError as exc:  # the one input error planning finds: a `when=` that cannot work
        assert exc.message.startswith(f"when={when!r}: ")
        return
    assert len(p.blocks) == len(bodies)
    for pb in p.blocks:
        environment_after(pb.block, pb.env, pb.verdict)
