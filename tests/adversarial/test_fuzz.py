"""Random text through the whole static pipeline: loader, blocks, planner, renders.

Whatever the text, `load_runbook` either returns or raises an `MdrunError`; the planner and
every render never raise on what the loader accepted; and nothing runs (canaries stay cold).
The pieces are Markdown and shell fragments mixed with arbitrary characters, so fences,
attributes, includes, frontmatter and guards all meet malformed neighbours.
`MDRUN_FUZZ_EXAMPLES` raises the example count (bench/bench_soak.py uses it).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mdrun.blocks.extract import load_runbook
from mdrun.errors import MdrunError
from mdrun.model import LoadOptions
from mdrun.plan.environment import initial_environment
from mdrun.plan.planner import environment_after, plan
from mdrun.render import render_plan

EXAMPLES = int(os.environ.get("MDRUN_FUZZ_EXAMPLES", "150"))
CANARY = "fuzz-canary"
TOUCH = f"$(touch {CANARY})"

PIECES = st.sampled_from(
    [
        *("# Title\n", "## Sec\n", "\n", "\n\n", "text ", "\r\n", "\ufeff", "\t", "  ", "\x00"),
        *("```shell\n", "```bash {name=x}\n", "```sh {async=true ready=up}\n", "```\n", "~~~\n"),
        *("```shell {when='[ -n \"$X\" ]'}\n", "```bash {finally=true}\n", "```bash {", "}\n"),
        *('```shell {name="a b" timeout=2s}\n', "```shell {restart=always max-restarts=x}\n"),
        *('--8<-- "a.md"\n', '--8<-- "a.md:sec"\n', '--8<-- "b.md:2:1"\n', "--8<--\n", "b.md\n"),
        *('--8<-- "../x.md"\n', '--8<-- "/etc/hostname"\n', ';--8<-- "a.md"\n'),
        *("<!-- --8<-- [start:sec] -->\n", "<!-- --8<-- [end:sec] -->\n"),
        *("---\n", "imports: [b]\n", "imports: 3\n", "inputs:\n  X: [a, b]\n", "key: [\n"),
        *("export X=1\n", "export X=$(date)\n", "unset X\n", 'if [ -n "$X" ]; then\n', "fi\n"),
        *(f"export Y={TOUCH}\n", f"[ {TOUCH} = x ] && echo\n", f"`touch {CANARY}`\n"),
        *("case $X in a) ;; esac\n", "source x.sh\n", 'eval "$X"\n', "exit 90\n", "cd /\n"),
        *("API_TOKEN=hunter2\n", "export SECRET_KEY=s3cr3t\n", "<<EOF\n", "EOF\n", "\\\n"),
    ]
)
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=30).map("".join)
OPENERS = st.sampled_from(
    [
        *("```shell\n", "```bash {name=b}\n", "```sh {async=true}\n", "~~~bash\n"),
        *("```shell {when='[ -n \"$X\" ]'}\n", "```bash {finally=true name=f}\n"),
        *('```shell {when=\'test "$Y" = 1 || [ -z "${Z:-}" ]\'}\n', "```python\n"),
    ]
)
BODY = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=12).map(
    lambda parts: "".join(parts).replace("```", "").replace("~~~", "") + "\n"
)
BLOCK = st.tuples(OPENERS, BODY).map(lambda t: t[0] + t[1] + t[0][:3] + "\n")
RUNBOOK = st.lists(st.one_of(BLOCK, TEXT), max_size=6).map("".join)


def _pipeline(root: Path) -> str:
    """What mdrun does with rb.md up to rendering; the outcome's kind, for statistics."""
    try:
        runbook = load_runbook(str(root / "rb.md"), LoadOptions(base_paths=(str(root),)))
    except MdrunError:
        return "refused"
    env = initial_environment({"X": "1"}, [f"Z={TOUCH}"], [])
    p = plan(runbook, env)
    for pb in p.blocks:
        environment_after(pb.block, pb.env, pb.verdict)
    for fmt in ("json", "sh", "markdown"):
        assert render_plan(p, fmt)
    return f"planned {min(len(p.blocks), 3)}+ blocks" if p.blocks else "planned, no blocks"


@pytest.mark.timeout(max(120, EXAMPLES // 10))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(runbook=RUNBOOK, a=RUNBOOK, b=TEXT)
def test_random_text_is_refused_cleanly_or_planned_and_never_runs(
    runbook: str, a: str, b: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, text in (("rb.md", runbook), ("a.md", a), ("b.md", b)):
            (root / name).write_bytes(text.encode("utf-8", errors="surrogatepass"))
        cwd = os.getcwd()
        os.chdir(root)  # a canary that did run would land here
        try:
            event(_pipeline(root))
        finally:
            os.chdir(cwd)
        assert not (root / CANARY).exists()
