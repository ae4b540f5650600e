"""The stages' import rules, read from the source with `ast`: a folder may only use the stages
before it, the renders and the supervisor see nothing but the core records, and `diff/` (a
stage after planning) plans and renders but never runs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "mdrun"
CORE = {"mdrun", "mdrun.errors", "mdrun.model", "mdrun.redact"}
PIPELINE = ("load", "blocks", "shell", "choices", "plan")


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "mdrun":
                found.update(f"mdrun.{alias.name}" for alias in node.names)
            elif node.module.startswith("mdrun."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "mdrun")
    return found


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (SRC / parts[1]).is_dir() else "core"


def _modules() -> list[tuple[str, set[str]]]:
    return [(_module(p), _imports(p)) for p in sorted(SRC.rglob("*.py"))]


def violations(modules: list[tuple[str, set[str]]]) -> list[str]:
    """Each broken rule as `importer -> imported: rule`."""
    out = []
    for module, imported in modules:
        stage = _stage(module)
        for target in sorted(imported):
            to = _stage(target)
            if to == "cli" and stage != "cli" and module != "mdrun.__main__":
                out.append(f"{module} -> {target}: nothing imports the command line")
            elif stage in ("render", "run", "ray") and to not in (stage, "core"):
                out.append(f"{module} -> {target}: {stage}/ uses only the core records")
            elif stage in PIPELINE and to in ("run", "render", "lint", "ray", "diff"):
                out.append(f"{module} -> {target}: {stage}/ cannot use a later stage")
            elif (
                stage in PIPELINE and to in PIPELINE and PIPELINE.index(to) > PIPELINE.index(stage)
            ):
                out.append(f"{module} -> {target}: {stage}/ comes before {to}/")
            elif stage == "diff" and to in ("run", "ray"):
                out.append(f"{module} -> {target}: diff/ plans both sides, it never runs them")
            elif stage == "core" and module != "mdrun.__main__" and to != "core":
                out.append(f"{module} -> {target}: the core imports no stage")
    return out


def test_the_stages_import_only_what_comes_before_them() -> None:
    assert violations(_modules()) == []


def test_the_source_tree_is_the_pipeline() -> None:
    folders = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {
        "load",
        "blocks",
        "shell",
        "choices",
        "plan",
        "render",
        "lint",
        "run",
        "diff",
        "cli",
    } <= folders


def test_the_command_line_modules_may_import_each_other_and_any_stage() -> None:
    assert violations([("mdrun.cli.run", {"mdrun.cli.planning", "mdrun.run.supervisor"})]) == []
    assert violations([("mdrun.__main__", {"mdrun.cli"})]) == []


@pytest.mark.parametrize(
    ("module", "imported", "rule"),
    [
        ("mdrun.render.text", "mdrun.plan.guards", "render/ uses only the core records"),
        ("mdrun.run.supervisor", "mdrun.load.loader", "run/ uses only the core records"),
        ("mdrun.load.loader", "mdrun.run.process", "load/ cannot use a later stage"),
        ("mdrun.shell.parse", "mdrun.plan.flowstate", "shell/ comes before plan/"),
        ("mdrun.choices.groups", "mdrun.plan.planner", "choices/ comes before plan/"),
        ("mdrun.blocks.tabs", "mdrun.choices.groups", "blocks/ comes before choices/"),
        ("mdrun.run.loop", "mdrun.choices.prompt", "run/ uses only the core records"),
        ("mdrun.lint.check", "mdrun.cli", "nothing imports the command line"),
        ("mdrun.run.supervisor", "mdrun.cli.options", "nothing imports the command line"),
        ("mdrun.errors", "mdrun.cli.parser", "nothing imports the command line"),
        ("mdrun.model", "mdrun.load.sources", "the core imports no stage"),
        ("mdrun.plan.planner", "mdrun.diff.compare", "plan/ cannot use a later stage"),
        (
            "mdrun.diff.command",
            "mdrun.run.supervisor",
            "diff/ plans both sides, it never runs them",
        ),
    ],
)
def test_a_broken_rule_is_reported(module: str, imported: str, rule: str) -> None:
    assert violations([(module, {imported})]) == [f"{module} -> {imported}: {rule}"]
