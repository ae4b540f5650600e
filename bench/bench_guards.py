"""Guards and planning: the static evaluator against bash on many conditions, and plan speed.

`guard-vs-bash` is the soak mode of tests/test_guards_vs_bash.py: random conditions made only
of tests on variables, over random environments, decided statically, then by bash itself in a
sandbox (empty environment plus the case's variables, a temporary working directory), batched
a thousand cases per bash process. Every disagreement is re-run alone with `bash -c` before
it counts. `MDRUN_FUZZ_EXAMPLES` sets the number of cases (default 100,000; quick: 2,000).

`plan-10k` plans a 10,000-block runbook (plain, exporting and guarded blocks) against bash's
own parser reading the same text (`bash -n`).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import row

from mdrun.model import Block, BlockOptions, Document, EnvValue, Runbook, Source, SourceLocation
from mdrun.plan.guards import evaluate
from mdrun.plan.planner import plan

NAMES = ("A", "B", "N")
VALUES = (
    "", "0", "1", "2", "-3", "+4", " 7", "7 ", "08", "010", "1 2", "abc", "a b", "-n", "-z",
    "!", "=", "(", ")", "-a", "-o", "]", "*", "x*", "99999999999999999999", "\t5", "-eq",
)  # fmt: skip
OPS = ("-n", "-z", "=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge")
EXTRA = ("!", "-a", "-o", "'('", "')'")
FORMS = ("$X", "${X}", "${X-D}", "${X:-D}", "${X+D}", "${X:+D}")
Case = tuple[str, dict[str, str]]


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def _operand(rng: random.Random) -> str:
    default = rng.choice(["0", "1", "d", "", "'a b'"])
    expansion = rng.choice(FORMS).replace("X", rng.choice(NAMES)).replace("D", default)
    literal = rng.choice(VALUES)
    return rng.choice(
        [f'"{expansion}"', expansion, _quote(literal), f'"{literal}"', f"x{expansion}"]
    )


def _bracket(rng: random.Random) -> str:
    if rng.random() < 0.5:
        op = rng.choice(OPS)
        args = [op, _operand(rng)] if op in ("-n", "-z") else [_operand(rng), op, _operand(rng)]
        if rng.random() < 0.3:
            args.insert(0, "!")
    else:
        pool = [*OPS, *EXTRA]
        args = [
            _operand(rng) if rng.random() < 0.5 else rng.choice(pool)
            for _ in range(rng.randint(0, 6))
        ]
    return ("[ " + " ".join(args) + " ]") if rng.random() < 0.5 else "test " + " ".join(args)


def _conditional(rng: random.Random, depth: int = 0) -> str:
    if depth >= 2 or rng.random() < 0.5:
        op = rng.choice(["-n", "-z", "", "==", "=", "!=", "-eq", "-ne", "-lt", "-gt"])
        if op in ("-n", "-z"):
            return f"{op} {_operand(rng)}"
        return _operand(rng) if not op else f"{_operand(rng)} {op} {_operand(rng)}"
    kind = rng.choice(["!", "()", "&&", "||"])
    inner = _conditional(rng, depth + 1)
    if kind == "!":
        return f"! {inner}"
    if kind == "()":
        return f"( {inner} )"
    return f"{inner} {kind} {_conditional(rng, depth + 1)}"


def _command(rng: random.Random) -> str:
    kind = rng.choice(["[", "[", "[[", "true", "false"])
    if kind == "[[":
        return f"[[ {_conditional(rng)} ]]"
    return kind if kind in ("true", "false") else _bracket(rng)


def random_case(rng: random.Random) -> Case:
    """One condition and one environment."""
    parts = [_command(rng)]
    for _ in range(rng.randint(0, 2)):
        parts += [rng.choice(["&&", "||"]), _command(rng)]
    text = " ".join(parts)
    env = {n: rng.choice(VALUES) for n in NAMES if rng.random() < 0.6}
    return (f"! {text}" if rng.random() < 0.2 else text), env


def _batch_script(cases: list[Case]) -> str:
    lines = []
    for i, (cond, env) in enumerate(cases):
        exports = " ".join(f"export {k}={_quote(v)};" for k, v in env.items())
        body = _quote(f"if {cond}\nthen echo {i} 0\nelse echo {i} 1\nfi")
        lines.append(f"( unset A B N; {exports} eval {body} ) 2>/dev/null")
    return "\n".join(lines) + "\n"


def bash_batch(cases: list[Case], cwd: str) -> dict[int, int]:
    """Case index → bash's status for `if COND` (0 or 1); absent when bash gave no answer."""
    done = subprocess.run(
        ["bash", "--norc", "--noprofile"],
        input=_batch_script(cases),
        env={},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    answers = (line.split() for line in done.stdout.splitlines())
    return {int(a[0]): int(a[1]) for a in answers if len(a) == 2}


def bash_alone(case: Case, cwd: str) -> int:
    cond, env = case
    script = f"if {cond}\nthen exit 0\nelse exit 1\nfi\n"
    return subprocess.run(
        ["bash", "-c", script], env=env, cwd=cwd, capture_output=True, timeout=10, check=False
    ).returncode


def guard_soak(examples: int, seed: int = 20261126) -> dict[str, object]:
    rng = random.Random(seed)
    cases = [random_case(rng) for _ in range(examples)]
    start = time.perf_counter()
    verdicts = [
        evaluate(c, {k: EnvValue(v, Source("option")) for k, v in e.items()}).kind for c, e in cases
    ]
    static_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as sandbox:
        start = time.perf_counter()
        statuses: dict[int, int] = {}
        for lo in range(0, len(cases), 1000):
            got = bash_batch(cases[lo : lo + 1000], sandbox)
            statuses.update({lo + k: v for k, v in got.items()})
        bash_s = time.perf_counter() - start
        decided = [i for i, v in enumerate(verdicts) if v != "unknown"]
        suspects = [i for i in decided if statuses.get(i) != (0 if verdicts[i] == "run" else 1)]
        confirmed = [
            i
            for i in suspects
            if bash_alone(cases[i], sandbox) != (0 if verdicts[i] == "run" else 1)
        ]
    shown = "; ".join(f"{cases[i][0]!r} {cases[i][1]!r} → {verdicts[i]}" for i in confirmed[:3])
    return {
        "name": "guard-vs-bash",
        "what": (
            f"{examples} random variable-only conditions decided statically (time per case); "
            "every run/skip verdict checked against bash"
        ),
        "baseline": "bash evaluating the same conditions, batched and sandboxed (time per case)",
        "subject_s": round(static_s / examples, 6),
        "baseline_s": round(bash_s / examples, 6),
        "ratio": round(static_s / bash_s, 2),
        "target": "0 disagreements",
        "passed": not confirmed,
        "detail": (
            f"disagreements: {len(confirmed)}; decided {len(decided)} "
            f"({verdicts.count('run')} run, {verdicts.count('skip')} skip), "
            f"unknown {verdicts.count('unknown')}; batch mismatches re-run alone: {len(suspects)}"
            + (f"; e.g. {shown}" if shown else "")
        ),
    }


def _runbook(count: int) -> Runbook:
    bodies = (
        "echo step {i}",
        "export STEP_{i}=done-{i}",
        'if [ -n "$STEP_{j}" ]; then\n  echo after {j}\nfi',
        '[ "${{NUM_GPUS-0}}" -gt 0 ] && nvidia-smi -i {i}',
    )
    blocks = []
    for i in range(1, count + 1):
        body = bodies[i % len(bodies)].format(i=i, j=max(1, i - 2))
        lines = body.count("\n") + 1
        line_origins = tuple((SourceLocation("big.md", 4 * i + 1 + k),) for k in range(lines))
        origin = (SourceLocation("big.md", 4 * i),)
        blocks.append(Block(i, f"b{i}", "shell", body, BlockOptions(), origin, line_origins))
    return Runbook("big.md", Document("big.md", "", ()), tuple(blocks))


def plan_speed(count: int) -> dict[str, object]:
    runbook = _runbook(count)
    text = "\n".join(b.body for b in runbook.blocks) + "\n"
    start = time.perf_counter()
    planned = plan(runbook, {"NUM_GPUS": EnvValue("2", Source("option"))})
    subject_s = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run(["bash", "-n"], input=text, text=True, check=True)
    baseline_s = time.perf_counter() - start
    kinds = [pb.verdict.kind for pb in planned.blocks]
    detail = (
        f"{count} blocks: {kinds.count('run')} run, {kinds.count('skip')} skip, "
        f"{kinds.count('unknown')} unknown; {subject_s / count * 1000:.2f} ms per block "
        "(plain bodies skip parsing)"
    )
    return row(
        f"plan-{count // 1000}k",
        f"planning a {count}-block runbook (plain, exporting and guarded blocks)",
        "`bash -n` parsing the same bodies",
        subject_s,
        baseline_s,
        100.0,
        detail,
    )


def run(quick: bool = False) -> list[dict[str, object]]:
    """The rows of this topic."""
    examples = int(os.environ.get("MDRUN_FUZZ_EXAMPLES", "2000" if quick else "100000"))
    return [guard_soak(examples), plan_speed(1000 if quick else 10000)]


if __name__ == "__main__":
    import json

    for result in run(quick="--quick" in sys.argv):
        print(json.dumps(result, ensure_ascii=False))
