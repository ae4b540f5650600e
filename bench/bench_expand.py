"""`--8<--` expansion of a generated corpus: mdrun against pymdownx.snippets, same files, same run.

The corpus is a binary tree of Markdown files in directories of 100: file i includes file 2i+1
with an indented inline marker inside a shell fence and file 2i+2 through the block form, and
every tenth file takes a named section of a shared file. Expanding the root reads every file.
Both tools are timed in process, interleaved round by round, on a warm page cache; mdrun's time
includes recording the origin of every output line (as runs of lines, each origin built when
read); the time to build all of them is reported beside it. Linearity: the same corpus shape at 1/4, 1/2 and
all of the size, compared by time per file.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import row

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

SHARED = """# Shared

--8<-- [start:setup]
export PATH="$HOME/bin:$PATH"
set -euo pipefail
--8<-- [end:setup]

Not part of the section.
"""


def _name(i: int) -> str:
    return f"d{i // 100:03d}/f{i:05d}.md"


def _file(i: int, count: int) -> str:
    left, right = 2 * i + 1, 2 * i + 2
    lines = [f"# Part {i}", "", f"Prose for part {i}, which explains what the block does.", ""]
    lines += ["```shell", f"echo part {i}", 'if [ -n "$VERBOSE" ]; then']
    if left < count:
        lines.append(f'    --8<-- "{_name(left)}"')
    lines += ["fi", "```", ""]
    if right < count:
        lines += ["--8<--", _name(right), "; a comment line", "--8<--", ""]
    if i % 10 == 0:
        lines += ['--8<-- "shared.md:setup"', ""]
    lines += [f"Closing words for part {i}."]
    return "\n".join(lines) + "\n"


def make_corpus(base: Path, count: int) -> Path:
    """Write `count` tree files plus the shared one under `base`; return the root's path."""
    (base / "shared.md").write_text(SHARED)
    for d in range((count + 99) // 100):
        (base / f"d{d:03d}").mkdir()
    for i in range(count):
        (base / _name(i)).write_text(_file(i, count))
    return base / _name(0)


def _mdrun(root: Path) -> Callable[[], str]:
    from mdrun.load.loader import load_document
    from mdrun.model import LoadOptions

    options = LoadOptions(base_paths=(str(root.parent.parent),))
    return lambda: load_document(str(root), options).text


def _pymdownx(root: Path) -> Callable[[], str]:
    import markdown

    md = markdown.Markdown(
        extensions=["pymdownx.snippets"],
        extension_configs={
            "pymdownx.snippets": {"base_path": [str(root.parent.parent)], "check_paths": True}
        },
    )
    snippets = md.preprocessors["snippet"]

    def run() -> str:
        text = root.read_text(encoding="utf-8")
        return "\n".join(snippets.run(text.split("\n")))

    return run


def _materialise_time(root: Path) -> float:
    from mdrun.load.loader import load_document
    from mdrun.model import LoadOptions

    document = load_document(str(root), LoadOptions(base_paths=(str(root.parent.parent),)))
    start = time.perf_counter()
    tuple(document.origins)
    return time.perf_counter() - start


def _medians(funcs: list[Callable[[], str]], rounds: int) -> list[float]:
    samples: list[list[float]] = [[] for _ in funcs]
    for _ in range(rounds):
        for i, func in enumerate(funcs):
            start = time.perf_counter()
            func()
            samples[i].append(time.perf_counter() - start)
    return [statistics.median(s) for s in samples]


def run(quick: bool = False) -> list[dict[str, object]]:
    """Speed against pymdownx on the full corpus, and mdrun's time per file across sizes.

    Every timed call (mdrun at each size, pymdownx at full size) runs once per round, so that a
    change in the machine's load between sizes does not pass for non-linear growth.
    """
    full = 2_000 if quick else 10_000
    rounds = 5 if quick else 7
    sizes = [full // 4, full // 2, full]
    with tempfile.TemporaryDirectory(prefix="mdrun-bench-expand-") as tmp:
        ours: list[Callable[[], str]] = []
        for size in sizes:
            base = Path(tmp) / f"corpus{size}"
            base.mkdir()
            root = make_corpus(base, size)
            ours.append(_mdrun(root))
            theirs = _pymdownx(root)
            out = ours[-1]()
            if out != theirs():
                raise AssertionError(f"outputs differ on the {size}-file corpus")
        *at_size, baseline = _medians([*ours, theirs], rounds)
        materialise = _materialise_time(root)
    subject = at_size[-1]
    lines = out.count("\n") + 1
    per_file = dict(zip(sizes, (t / n for t, n in zip(at_size, sizes, strict=True)), strict=True))
    detail = ", ".join(f"{n} files: {per_file[n] * 1e6:.1f} us/file" for n in sizes)
    return [
        row(
            f"expand-{full}",
            f"mdrun expands a {full}-file nested-include corpus ({lines} lines out), "
            "origins recorded",
            "pymdownx.snippets 13 (check_paths) on the same corpus, same run",
            subject,
            baseline,
            0.5,
            f"{subject / full * 1e6:.1f} us/file vs {baseline / full * 1e6:.1f}; building all "
            f"{lines} origins from the result takes another {materialise:.2f} s",
        ),
        row(
            "expand-linear",
            f"mdrun's time to expand the {full}-file corpus",
            f"{full // sizes[0]}x its time on the same corpus shape at {sizes[0]} files "
            "(linear growth), same run",
            subject,
            per_file[sizes[0]] * full,
            1.3,
            detail,
        ),
    ]


if __name__ == "__main__":
    import json

    for result in run(quick="--quick" in sys.argv):
        print(json.dumps(result))
