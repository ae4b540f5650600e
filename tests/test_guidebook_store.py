"""The guidebook store, run as madwizard's clients ran it: every guidebook plans, block
frontmatter is shown and never run by plan/check/list, and `validate:`-only guidebooks run for
real (an installed package is skipped, a missing one installed into a venv made here)."""

from __future__ import annotations

import json
import os
import subprocess
import venv
from pathlib import Path

import pytest

from mdrun.cli import main
from tests.conftest import SHARED, run_mdrun

STORE = SHARED / "store" / "guidebooks"
URL_IMPORTS = {
    "test/iter8/load/http.md": "https://github.com/starpit/docs-1/blob/mad/docs/tutorials/"
    "load-test-http/basicusage.md"
}
"""Guidebooks importing a URL, and the URL: planned without fetching it (no --allow-url)."""
STORE_SIZE = 169
"""Guidebooks in the store (its commit 0b89f4d): every one must plan."""

needs_store = pytest.mark.shared("store", "guidebooks")


def _guidebooks() -> list[str]:
    if not STORE.is_dir():
        return []
    return sorted(str(p.relative_to(STORE)) for p in STORE.rglob("*.md"))


@needs_store
@pytest.mark.parametrize("name", _guidebooks())
def test_every_guidebook_plans(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(["plan", "--store", str(STORE), str(STORE / name), "--format", "json"])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["blocks"] is not None
    urls = [u["url"] for u in data["unfetched_imports"]]
    assert urls == ([URL_IMPORTS[name]] if name in URL_IMPORTS else [])


@needs_store
def test_the_whole_store_is_planned() -> None:
    assert len(_guidebooks()) == STORE_SIZE


CANARY = """\
---
imports:
  - {path: ./lib, group: one, env: {WHO: first}}
  - {path: ./lib, group: two, env: {WHO: second}}
---
# Canary

```shell
---
validate: touch "$CANARY/validate-ran"
exec: touch "$CANARY/exec-ran"
---
touch "$CANARY/body-ran"
```

```python
open(__import__("os").environ["CANARY"] + "/python-ran", "w")
```
"""


def _canary_tree(tmp_path: Path) -> Path:
    (tmp_path / "lib.md").write_text(
        '---\nvalidate: touch "$CANARY/guidebook-validate-ran"\n---\n'
        '# lib\n\n```shell\necho "$WHO"\n```\n'
    )
    runbook = tmp_path / "canary.md"
    runbook.write_text(CANARY)
    return runbook


@pytest.mark.parametrize("command", ["plan", "check", "list", "expand"])
def test_plan_check_list_run_no_validate_exec_or_python(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runbook = _canary_tree(tmp_path)
    monkeypatch.setenv("CANARY", str(tmp_path))
    main([command, str(runbook)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["canary.md", "lib.md"]


def test_plan_shows_validate_as_run_unless_done(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runbook = _canary_tree(tmp_path)
    main(["plan", str(runbook), "--format", "json"])
    text = capsys.readouterr().out
    assert 'run unless already done: skip if `touch \\"$CANARY/validate-ran\\"` succeeds' in text


def test_an_import_per_group_with_its_env(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runbook = _canary_tree(tmp_path)
    main(["list", str(runbook), "--format", "json"])
    blocks = json.loads(capsys.readouterr().out)["blocks"]
    bodies = [b["body"].strip() for b in blocks]
    assert bodies[:6] == [
        'export WHO="first"',
        'echo "$WHO"',
        "unset WHO",
        'export WHO="second"',
        'echo "$WHO"',
        "unset WHO",
    ]
    assert [i["group"] for i in blocks[1]["imports"]] == ["one"]
    assert blocks[1]["done_if"] == ['touch "$CANARY/guidebook-validate-ran"']
    assert blocks[6]["validate"] == 'touch "$CANARY/validate-ran"'
    assert blocks[7]["language"] == "python"


def _venv(tmp_path: Path) -> dict[str, str]:
    """A fresh venv (with pip) first on PATH: `python3` and `pip` are its own."""
    where = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(where)
    env = dict(os.environ)
    env["PATH"] = f"{where / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(where)
    env.pop("PYTHONPATH", None)
    return env


def mdrun_run(
    runbook: Path, cwd: Path, env: dict[str, str] | None = None, *options: str
) -> subprocess.CompletedProcess[str]:
    """`mdrun run [OPTIONS] RUNBOOK` as a real subprocess (installs may take a while)."""
    return run_mdrun("run", *options, str(runbook), cwd=cwd, env=env, timeout=300)


def _run(guidebook: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return mdrun_run(STORE / guidebook, cwd, env, "--store", str(STORE))


@needs_store
@pytest.mark.timeout(600)
def test_pip_guidebook_installs_what_is_missing_then_skips_it(tmp_path: Path) -> None:
    env = _venv(tmp_path)
    first = _run("python/pip/tabulate.md", env, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Successfully installed tabulate" in first.stdout
    second = _run("python/pip/tabulate.md", env, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "already done (`validate` succeeded: `pip-show tabulate`)" in second.stdout
    assert "Successfully installed" not in second.stdout


def test_exec_pip_install_installs_a_requirements_body(tmp_path: Path) -> None:
    env = _venv(tmp_path)
    runbook = tmp_path / "req.md"
    runbook.write_text("# req\n\n```shell\n---\nexec: pip-install\n---\ntabulate\n```\n")
    done = mdrun_run(runbook, tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    check = subprocess.run(
        ["python3", "-c", "import tabulate"], env=env, capture_output=True, check=False
    )
    assert check.returncode == 0


def test_ray_submit_hands_the_body_to_mdruns_submitter(tmp_path: Path) -> None:
    # No cluster: the submitter (mdrun.ray.submit) is reached and says what is missing.
    runbook = tmp_path / "ray.md"
    runbook.write_text("# r\n\n```python\n---\nexec: ray-submit --job-id x\n---\nprint(1)\n```\n")
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    done = mdrun_run(runbook, tmp_path, env)
    assert done.returncode == 1
    assert "ray.md:3: no Ray cluster: set RAY_ADDRESS" in done.stdout


@pytest.mark.parametrize(("check", "ran"), [("true", False), ("false", True)])
def test_a_guidebook_validate_skips_its_blocks_when_it_succeeds(
    check: str, ran: bool, tmp_path: Path
) -> None:
    (tmp_path / "tool.md").write_text(
        f"---\nvalidate: {check}\n---\n# t\n\n```sh\necho INSTALLING\n```\n"
    )
    runbook = tmp_path / "top.md"
    runbook.write_text("---\nimports:\n  - ./tool\n---\n# top\n\n```sh\necho TOP\n```\n")
    done = mdrun_run(runbook, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "TOP" in done.stdout
    assert ("INSTALLING" in done.stdout) is ran
    assert ("already done (`validate` succeeded: `true`)" in done.stdout) is not ran


def test_the_sh_script_honours_validate_exec_and_python(tmp_path: Path) -> None:
    runbook = tmp_path / "rb.md"
    runbook.write_text(
        "# t\n\n```sh\n---\nvalidate: true\n---\necho NOT-RUN\n```\n\n"
        "```sh\n---\nvalidate: false\n---\nexport FOO=bar\n```\n\n"
        '```python\nimport os\nprint("py", os.environ["FOO"])\n```\n\n'
        '```sh\n---\nexec: wc -l < "$MWFILEPATH"\n---\na\nb\n```\n'
    )
    script = run_mdrun("plan", "--format", "sh", str(runbook), check=True).stdout
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "NOT-RUN" not in done.stdout
    assert "py bar" in done.stdout
    assert "] 2" in done.stdout


def _pip_guidebooks() -> list[str]:
    return [g for g in _guidebooks() if g.startswith("python/pip/")]


@pytest.fixture(scope="module")
def venv_with_everything(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A venv where every package the store's pip guidebooks check for is installed, as far as
    pip knows: each has its `dist-info` (installing torch or tensorflow for real is not for a
    test)."""
    root = tmp_path_factory.mktemp("venv-all")
    env = _venv(root)
    python = root / "venv" / "bin" / "python3"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    for guidebook in _pip_guidebooks():
        text = (STORE / guidebook).read_text()
        name = text.split("pip-show", 1)[1].split()[0].split("[")[0]
        dist = Path(site) / f"{name}-1.0.dist-info"
        dist.mkdir(exist_ok=True)
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    return env


@needs_store
@pytest.mark.parametrize("guidebook", _pip_guidebooks())
def test_installed_packages_are_skipped_by_their_validate(
    guidebook: str, venv_with_everything: dict[str, str], tmp_path: Path
) -> None:
    done = _run(guidebook, venv_with_everything, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "already done (`validate` succeeded: `pip-show " in done.stdout
    assert "Successfully installed" not in done.stdout


def _documented_fields(table: str) -> list[str]:
    """The `field` column of the table under `table` in docs/list-schema.md."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "list-schema.md").read_text()
    section = text.split(table, 1)[1].split("\n\n", 2)[1]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [row.split("`")[1] for row in rows]


def test_list_json_has_exactly_the_documented_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runbook = _canary_tree(tmp_path)
    main(["list", str(runbook), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert list(data) == _documented_fields("One JSON object")
    assert all(list(block) == _documented_fields("Each block:") for block in data["blocks"])


def test_exec_pip_install_blocks_hand_their_requirements_to_ray_jobs(tmp_path: Path) -> None:
    # A stand-in python3 for pip: what is tested is the hand-off, not pip's install.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text('#!/bin/sh\necho "stand-in pip: $*"\n')
    (bin_dir / "python3").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("MDRUN_RAY_PIP", None)
    fence = "```shell\n---\nexec: pip-install\n---\n{}\n```\n\n"
    runbook = tmp_path / "req.md"
    runbook.write_text(
        "# req\n\n"
        + fence.format("tabulate==0.9")
        + fence.format("rich")
        + '```sh\nprintf "<%s>\\n" "$MDRUN_RAY_PIP"\n```\n'
    )
    done = mdrun_run(runbook, tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    shown = "\n".join(line.split("] ", 1)[-1] for line in done.stdout.splitlines())
    assert "<tabulate==0.9\nrich>" in shown, done.stdout


def test_a_block_its_validate_skips_says_why_in_the_summary_and_run_json(tmp_path: Path) -> None:
    # As a block skipped by its plan does; both kinds of skip read the same afterwards.
    runbook = tmp_path / "rb.md"
    runbook.write_text("# t\n\n```sh\n---\nvalidate: true\n---\necho NOT-RUN\n```\n")
    done = mdrun_run(runbook, tmp_path, None, "--log-dir", str(tmp_path / "logs"))
    assert done.returncode == 0, done.stdout + done.stderr
    reason = "already done (`validate` succeeded: `true`)"
    assert f"skipped: {reason}" in done.stdout
    [block] = json.loads((tmp_path / "logs" / "run.json").read_text())["blocks"]
    assert (block["status"], block["reason"]) == ("skipped", reason)


def test_a_run_whose_blocks_were_all_skipped_still_names_its_record(tmp_path: Path) -> None:
    # Nothing left a block log (the guidebook's check skipped everything): run.json is there.
    runbook = tmp_path / "tool.md"
    runbook.write_text("---\nvalidate: true\n---\n# t\n\n```sh\necho INSTALLING\n```\n")
    done = mdrun_run(runbook, tmp_path, None, "--log-dir", str(tmp_path / "logs"))
    assert done.returncode == 0, done.stdout + done.stderr
    record = tmp_path / "logs" / "run.json"
    assert f"run record: {record}" in done.stdout
    assert json.loads(record.read_text())["blocks"][0]["status"] == "skipped"
