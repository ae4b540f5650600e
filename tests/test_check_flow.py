"""The checks reviewers need: `while ! cmd` polling (MD003), code after a top-level `exit` or a
loop's `break` (MD004), and variables read that nothing sets when inputs are declared (MD007)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdrun.lint.check import check_runbook
from mdrun.model import LoadOptions
from mdrun.shell.reads import read_names
from tests.render_golden import REPO

pytestmark = pytest.mark.timeout(60)


def _codes(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    (tmp_path / "rb.md").write_text(text, encoding="utf-8")
    found = check_runbook(str(tmp_path / "rb.md"), LoadOptions(), use_shellcheck=False)
    return [(f.line, f.code) for f in found]


def _block(body: str) -> str:
    return f"# t\n\n```shell\n{body}\n```\n"


@pytest.mark.parametrize(
    ("loop", "spins"),
    [
        ("while ! curl -sf x; do :; done", True),
        ("while ! curl -sf x; do echo not yet; done", True),
        ("while ! curl -sf x; do sleep 1; done", False),
        ("while ! curl -sf x; do curl -sf y || sleep 1; done", True),
        ('while [ "$n" != 3 ]; do n=3; done', False),
    ],
)
def test_a_negated_condition_is_a_polling_loop(tmp_path: Path, loop: str, spins: bool) -> None:
    assert ((4, "MD003") in _codes(tmp_path, _block(loop))) == spins


@pytest.mark.parametrize(
    ("body", "unreachable"),
    [
        ("echo start\nexit 0\necho never", [6]),
        ("echo start; return 1; echo never", [4]),
        ('[ -n "$X" ] || exit 0\necho fine', []),
        ("if [ -n \"$X\" ]; then exit 1; fi\necho reached", []),
        ("if a; then exit 1; else exit 2; fi\necho never", [5]),
        ("for f in a b; do\n  echo $f\n  break\n  echo nope\ndone", [7]),
        ("for f in a b; do\n  if [ $f = b ]; then break; fi\n  echo $f\ndone", []),
        ("while read -r x; do continue; echo skipped; done < f", [4]),
        ("f() { exit 1; }\necho after the function", []),
    ],
    ids=[
        "after-exit", "after-return", "or-exit", "exit-in-if", "exit-in-every-branch",
        "after-break-in-for", "break-in-if", "after-continue", "exit-in-function",
    ],
)  # fmt: skip
def test_code_after_exit_or_break_is_unreachable(
    tmp_path: Path, body: str, unreachable: list[int]
) -> None:
    found = [line for line, code in _codes(tmp_path, _block(body)) if code == "MD004"]
    assert found == unreachable


def test_reads_skip_quotes_comments_fallbacks_and_quoted_heredocs() -> None:
    source = (
        "echo \"$A ${B}\" '$QUOTED' \\$ESCAPED ${C:-x} ${D-} ${E:?need E} ${#F} ${!G}\n"
        "# $COMMENT\necho x#$H\ncat <<'EOF' >f\n$LITERAL\nEOF\ncat <<EOF\n$EXPANDED\nEOF\n"
        "echo ${C:-$NESTED}"
    )
    assert list(read_names(source)) == ["A", "B", "E", "F", "H", "EXPANDED", "NESTED"]


def test_the_seed_reads_job_id_and_ray_address_without_declaring_them(tmp_path: Path) -> None:
    seed = (REPO.parent / "shared" / "seed" / "stream-logs.seed.md").read_text(errors="replace")
    wait = next(line for line in seed.splitlines() if "$JOB_ID" in line).strip()
    text = f"---\ninputs:\n  NUM_GPUS: [0, 2]\n---\n# t\n\n```shell\n{wait}\n```\n"
    (tmp_path / "rb.md").write_text(text)
    found = check_runbook(str(tmp_path / "rb.md"), LoadOptions(), use_shellcheck=False)
    undeclared = [f.message.split("$")[1].split()[0] for f in found if f.code == "MD007"]
    assert undeclared == ["JOB_ID", "RAY_ADDRESS"]


def test_a_block_that_reads_a_name_before_setting_it_still_reads_it(tmp_path: Path) -> None:
    body = 'if [ -n "$JOB_ID" ]; then :; else export JOB_ID=$(new); fi\necho $JOB_ID'
    text = f"---\ninputs:\n  X: null\n---\n{_block(body)}"
    assert _codes(tmp_path, text) == [(8, "MD007")]


def test_a_read_is_cleared_by_an_earlier_block_or_a_declaration(tmp_path: Path) -> None:
    text = (
        "---\ninputs:\n  MODE: [a, b]\n---\n# t\n\n"
        "```shell\nexport DIR=/tmp; echo $MODE\n```\n\n"
        "```shell {when='[ -n \"$FLAG\" ]'}\necho $DIR $MISSING $MISSING $HOME $MDRUN_RUN_ID\n```\n\n"
        "```shell\nsource ./env.sh\necho $ANYTHING\n```\n"
    )
    assert _codes(tmp_path, text) == [(11, "MD002"), (11, "MD007"), (12, "MD007")]
    assert _codes(tmp_path, text.split("---\n", 2)[2]) == []  # no inputs declared: no MD007
