"""`mdrun list`: the table itself, and the command as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mdrun.blocks.extract import extract_blocks
from mdrun.model import Document, Runbook, SourceLocation
from mdrun.render.listing import first_line, render_list
from tests.conftest import run_mdrun

F = "```"
SEEDLIKE = Path(__file__).parent / "fixtures" / "seedlike"
HEAVY = ("rich", "jinja2", "tree_sitter", "yaml", "requests", "markdown", "pymdownx")


def runbook_of(text: str, path: str = "rb.md") -> Runbook:
    lines = text.split("\n")
    origins = tuple((SourceLocation(path, i + 1),) for i in range(len(lines)))
    return extract_blocks(Document(path, text, origins))


def test_table_columns_are_aligned() -> None:
    long_line = "echo " + "x" * 80
    text = (
        f"# Start the server\n\n{F}shell.async\n\n\n  python -m http.server\n{F}\n\n"
        f"{F}bash {{name=a-much-longer-explicit-name}}\n{long_line}\n{F}\n\n{F}sh\n{F}\n"
    )
    lines = render_list(runbook_of(text)).splitlines()
    assert len(lines) == 4
    header, *rows = lines
    assert header.split() == ["#", "NAME", "MODE", "ORIGIN", "FIRST", "LINE"]
    starts = [header.index(word) for word in ("NAME", "MODE", "ORIGIN", "FIRST")]
    expected = [
        ("1", "start-the-server", "async", "rb.md:3", "python -m http.server"),
        ("2", "a-much-longer-explicit-name", "sync", "rb.md:9", long_line[:59] + "…"),
        ("3", "start-the-server-2", "sync", "rb.md:13", ""),
    ]
    for row, (index, name, mode, origin, first) in zip(rows, expected, strict=True):
        assert row[: starts[0]].strip() == index
        assert row[starts[0] :].startswith(name)
        assert row[starts[1] :].startswith(mode)
        assert row[starts[2] :].startswith(origin)
        assert row[starts[3] :] == first
        assert row == row.rstrip()


def test_origin_column_shows_the_innermost_file() -> None:
    text = f"# T\n{F}sh\necho\n{F}\n"
    origins = (
        (SourceLocation("rb.md", 1),),
        (SourceLocation("rb.md", 2), SourceLocation("inc/a.md", 7)),
        (SourceLocation("rb.md", 2), SourceLocation("inc/a.md", 8)),
        (SourceLocation("rb.md", 2), SourceLocation("inc/a.md", 9)),
        (SourceLocation("rb.md", 3),),
    )
    table = render_list(extract_blocks(Document("rb.md", text, origins)))
    assert "inc/a.md:7" in table.splitlines()[1]


def test_no_blocks() -> None:
    assert (
        render_list(runbook_of("# Nothing\n\n```yaml\na: 1\n```\n")) == "rb.md: no shell blocks\n"
    )


def test_first_line() -> None:
    assert first_line("\n  \n\t echo hi  \nsecond\n") == "echo hi"
    assert first_line("") == ""
    assert first_line("abcdef", width=4) == "abc…"


def _list_in_subprocess(runbook: Path) -> subprocess.CompletedProcess[str]:
    """`mdrun list` through `cli.main`, reporting which heavy modules got imported."""
    code = (
        "import json, sys\n"
        "from mdrun.cli import main\n"
        "rc = main(['list', sys.argv[1]])\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(runbook)],
        check=False,
        cwd=runbook.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_mdrun_list_on_the_seedlike_runbook_stays_light() -> None:
    proc = _list_in_subprocess(SEEDLIKE / "stream-logs.md")
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.splitlines()[1:]
    assert [row.split()[1] for row in rows] == [
        "stream-pod-resource-usage",
        "gpu-utilization",
        "capture-the-job-definition",
        "stream-ray-job-logs",
        "stream-ray-job-logs-2",
        "logs-just-to-console",
        "follow-the-job-log-over-the-websocket",
    ]
    assert rows[-1].split()[3] == "logs/via-websocat.md:4"
    assert json.loads(proc.stderr.splitlines()[-1]) == []


def test_mdrun_list_reports_bad_attributes_with_location(tmp_path: Path) -> None:
    (tmp_path / "rb.md").write_text(f"# T\n\n{F}bash {{timeout=soon}}\necho\n{F}\n")
    proc = run_mdrun("list", "rb.md", cwd=tmp_path, env=os.environ)
    assert proc.returncode == 2
    assert proc.stderr.startswith("rb.md:3: bad value 'soon' for block attribute 'timeout'")
    assert "Traceback" not in proc.stderr
