"""Differential against bash over the guidebook store (`../shared/store`): every `if`/`elif`
condition and every leading test of an `&&`/`||` list in every distinct shell body, evaluated
against environments built from the variables it reads and the words it compares them with.
Whenever the planner decides one (run or skip), bash itself, running that condition with the
same variables, agrees. Also: every store body that tree-sitter-bash cannot parse is one that
bash rejects too, or one of the constructs listed here that it misreads.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mdrun.model import EnvValue, Source
from mdrun.plan.guards import evaluate
from mdrun.plan.guardshape import strip_separators
from mdrun.shell.parse import Parsed, ShellSyntaxError, parse
from mdrun.shell.syntax import (
    Body,
    Command,
    Conditional,
    If,
    Node,
    Operator,
    Pipeline,
    bodies,
    body_span,
    chains,
)
from tests.helpers.store import store_bodies

pytestmark = pytest.mark.timeout(300)
REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
VALUES = ("", "0", "1", "2", "true", "abc", "a b")
# tree-sitter-bash rejects `$<(cmd)` (a `$` before a process substitution), which bash accepts.
MISREAD = ("$<(",)
Env = dict[str, str]
BASH = shutil.which("bash") or "/bin/bash"  # the sandbox PATH finds no command at all


def _is_test(node: Node | Operator) -> bool:
    if isinstance(node, Pipeline):
        return node.negated and len(node.commands) == 1 and _is_test(node.commands[0])
    if isinstance(node, Command):
        return bool(node.words) and node.words[0].text in ("[", "test")
    return isinstance(node, Conditional)


def _text(parsed: Parsed, body: Body) -> str:
    span = body_span(strip_separators(body))
    return parsed.source[span[0] : span[1]] if span else ""


def _conditions(parsed: Parsed, body: Body) -> Iterator[str]:
    """Conditions of `body` and of every body inside it."""
    for chain in chains(body):
        tests: list[Node | Operator] = [chain.first] if _is_test(chain.first) else []
        for op, node in chain.rest:
            if not tests or not _is_test(node):
                break
            tests += [op, node]
        if tests:
            yield _text(parsed, tuple(tests))
    for node in body:
        if isinstance(node, If):
            yield from (_text(parsed, branch.condition) for branch in node.branches)
        if not isinstance(node, Operator):
            for inner in bodies(node):
                yield from _conditions(parsed, inner)


def store_conditions() -> list[str]:
    found: dict[str, None] = {}
    for body in store_bodies():
        try:
            parsed = parse(body)
        except ShellSyntaxError:
            continue
        found.update(dict.fromkeys(_conditions(parsed, parsed.nodes)))
    return [c for c in found if c]


def environments(condition: str) -> list[Env]:
    """No variable set; each value for all of them; each value for each one alone."""
    names = sorted(set(REFERENCE.findall(condition)))
    words = {w.strip("\"'") for w in re.findall(r"(?<![$\w-])[\"']?[\w./-]+[\"']?", condition)}
    values = list(dict.fromkeys([*VALUES, *sorted(w for w in words if w not in names)[:4]]))
    envs: list[Env] = [{}]
    envs += [dict.fromkeys(names, v) for v in values if names]
    envs += [{n: v} for n in names for v in values if len(names) > 1]
    return envs


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def bash_statuses(condition: str, envs: list[Env], names: list[str], sandbox: Path) -> list[str]:
    """bash's `if CONDITION` status for each environment, in one bash process: each runs in a
    subshell that unsets the names and sets the environment's values as shell variables."""
    lines = []
    for k, env in enumerate(envs):
        sets = "".join(f"{n}={_quote(v)}; " for n, v in env.items())
        unset = f"unset {' '.join(names)} 2>/dev/null; " if names else ""
        lines.append(
            f"( {unset}{sets}if {condition}\nthen echo {k}:0; else echo {k}:1; fi ) 2>/dev/null"
        )
    done = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", "\n".join(lines) + "\n"],
        env={"PATH": str(sandbox / "empty"), "HOME": str(sandbox)},
        cwd=sandbox,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    said = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    return [said.get(str(k), "no status") for k in range(len(envs))]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store-bash")
    (path / "empty").mkdir()
    return path


def test_decided_store_conditions_agree_with_bash(sandbox: Path) -> None:
    conditions = store_conditions()
    assert len(conditions) > 15  # 24 distinct today; far fewer means extraction broke
    disagreements, decided = [], 0
    for condition in conditions:
        envs = environments(condition)
        verdicts = [
            evaluate(condition, {n: EnvValue(v, Source("option")) for n, v in e.items()})
            for e in envs
        ]
        cases = [(e, v) for e, v in zip(envs, verdicts, strict=True) if v.kind != "unknown"]
        if not cases:
            continue
        decided += len(cases)
        names = sorted(set(REFERENCE.findall(condition)))
        statuses = bash_statuses(condition, [e for e, _ in cases], names, sandbox)
        for (env, verdict), status in zip(cases, statuses, strict=True):
            if status != ("0" if verdict.kind == "run" else "1"):
                disagreements.append(f"{condition!r} with {env}: {verdict}; bash: {status}")
    assert decided > 100
    assert disagreements == []


def test_store_bodies_tree_sitter_rejects_are_rejected_by_bash(sandbox: Path) -> None:
    for body in store_bodies():
        try:
            parse(body)
        except ShellSyntaxError as exc:
            if any(construct in body for construct in MISREAD):
                continue
            checked = subprocess.run(
                ["bash", "-n"], input=body, capture_output=True, text=True, check=False
            )
            assert checked.returncode != 0, (
                f"bash accepts what tree-sitter did not ({exc}):\n{body}"
            )
