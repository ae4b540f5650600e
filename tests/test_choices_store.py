"""The store's guidebooks through `mdrun plan`, in process: every one that loads plans with exit 0
and no answers given, and answers pick the branches madwizard would run."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from mdrun.cli import main
from mdrun.errors import MdrunError
from mdrun.load.loader import load_document
from mdrun.model import LoadOptions
from tests.conftest import SHARED

STORE = (SHARED / "store" / "guidebooks").resolve()
pytestmark = pytest.mark.shared("store", "guidebooks")

STORE_SIZE = 169
"""Every guidebook of the store loads with `--store` (one imports a URL, which plan shows
without fetching it)."""


def _plan(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["plan", *args, "--store", str(STORE)])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _loads(path: Path) -> bool:
    try:
        load_document(str(path), LoadOptions(stores=(str(STORE),), leave_urls=True))
    except MdrunError:
        return False
    return True


def test_every_guidebook_loads_and_plans_with_exit_0_and_no_answers() -> None:
    paths = sorted(STORE.rglob("*.md"))
    assert len(paths) == STORE_SIZE
    for path in paths:
        assert _loads(path), path
        code, _, err = _plan(str(path), "--format", "json")
        assert code == 0, (path, err)


def test_answers_pick_the_branches_kubectl_runs_on_a_mac_with_curl() -> None:
    code, out, err = _plan(
        str(STORE / "kubernetes" / "kubectl.md"),
        "--format=json",
        "--choose=madwizard/apriori/platform=Darwin",
        "--choose=Mac installer=curl",
        "--choose=madwizard/apriori/arch=arm64",
    )
    assert code == 0, err
    data = json.loads(out)
    runs = [b["choices"] for b in data["blocks"] if b["chosen"]]
    assert runs == [
        [
            {"question": "madwizard/apriori/platform", "answer": "Darwin"},
            {"question": "madwizard/apriori/mac-installer", "answer": "curl"},
            {"question": "madwizard/apriori/arch", "answer": "Arm64"},
        ],
        [
            {"question": "madwizard/apriori/platform", "answer": "Darwin"},
            {"question": "madwizard/apriori/mac-installer", "answer": "curl"},
        ],
    ]
    sources = {q["id"]: q["answer"]["source"] for q in data["questions"]}
    assert set(sources.values()) == {"flag"}
