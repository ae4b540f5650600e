"""Bad-input cases shared by the tests and by `python -m tests.adversarial.table`.

Each case writes a small tree into a directory and names the runbook to load. `expect` is the
exit code; `message` a regex the first stderr line must match (None for accepted input).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import write_tree

CANARY = "CANARY_EXECUTED"
FENCE = "```"


@dataclass(frozen=True)
class Case:
    """One bad (or tricky but acceptable) input."""

    id: str
    build: Callable[[Path], str]
    expect: int
    message: str | None
    slow_for: tuple[str, ...] = ()
    """Commands that take more than ~10 s on this case (marked `slow` in the tests)."""
    bug: str | None = None
    """A known bug in mdrun that this case shows (a strict xfail until it is fixed)."""


def _tree(files: dict[str, str | bytes], runbook: str = "rb.md") -> Callable[[Path], str]:
    def build(root: Path) -> str:
        write_tree(root, files)
        return runbook

    return build


def _canary_block() -> str:
    return f"{FENCE}shell\ntouch {CANARY}\n{FENCE}\n"


def _symlink_escape(root: Path) -> str:
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.md").write_text("secret\n")
    os.symlink(outside / "secret.md", root / "link.md")
    write_tree(root, {"rb.md": '# T\n\n--8<-- "link.md"\n'})
    return "rb.md"


def _unreadable(root: Path) -> str:
    write_tree(root, {"rb.md": "# T\n" + _canary_block()})
    (root / "rb.md").chmod(0)
    return "rb.md"


def _deep(depth: int) -> Callable[[Path], str]:
    def build(root: Path) -> str:
        files: dict[str, str | bytes] = {"rb.md": '# T\n--8<-- "d1.md"\n'}
        for i in range(1, depth):
            files[f"d{i}.md"] = f'line {i}\n--8<-- "d{i + 1}.md"\n'
        files[f"d{depth}.md"] = "bottom\n"
        write_tree(root, files)
        return "rb.md"

    return build


def _big_runbook(size: int) -> Callable[[Path], str]:
    """A `size`-byte runbook of prose with one shell block at the top (generated, never committed)."""

    def build(root: Path) -> str:
        head = f"# Big\n\n{FENCE}shell\necho hi\n{FENCE}\n"
        para = "Prose that pads the runbook out to a large size, line after line after line.\n"
        with open(root / "rb.md", "w", encoding="utf-8") as f:
            f.write(head)
            f.write(para * ((size - len(head)) // len(para)))
        return "rb.md"

    return build


def _long_line(size: int) -> Callable[[Path], str]:
    def build(root: Path) -> str:
        write_tree(
            root, {"rb.md": "# L\n\n" + "x" * size + f"\n\n{FENCE}shell\necho hi\n{FENCE}\n"}
        )
        return "rb.md"

    return build


def _many_blocks(count: int, heading: str = "") -> Callable[[Path], str]:
    def build(root: Path) -> str:
        blocks = "".join(f"{FENCE}shell\necho {i}\n{FENCE}\n\n" for i in range(count))
        write_tree(root, {"rb.md": f"{heading}Intro.\n\n{blocks}"})
        return "rb.md"

    return build


LOC = r"^rb\.md:\d+: "
CASES: tuple[Case, ...] = (
    Case("missing-include", _tree({"rb.md": '# T\n\n--8<-- "nope.md"\n'}), 2, LOC + r".*nope\.md"),
    Case(
        "missing-section",
        _tree({"rb.md": '# T\n--8<-- "a.md:sec"\n', "a.md": "x\n"}),
        2,
        LOC + r".*sec",
    ),
    Case("cycle-direct", _tree({"rb.md": '# T\n--8<-- "rb.md"\n'}), 2, r"^rb\.md:2: .*cycl"),
    Case(
        "cycle-three",
        _tree(
            {
                "rb.md": '--8<-- "a.md"\n',
                "a.md": '--8<-- "b.md"\n',
                "b.md": '--8<-- "c.md"\n',
                "c.md": '--8<-- "a.md"\n',
            }
        ),
        2,
        r"^c\.md:1: .*cycl",
    ),
    Case("escape-dotdot", _tree({"rb.md": '--8<-- "../../../etc/hostname"\n'}), 2, LOC),
    Case("escape-absolute", _tree({"rb.md": '--8<-- "/etc/hostname"\n'}), 2, LOC),
    Case("escape-symlink", _symlink_escape, 2, LOC),
    Case(
        "import-directory",
        _tree({"rb.md": "---\nimports: [sub]\n---\n# T\n", "sub/x.md": "x\n"}),
        2,
        LOC + r".*director",
    ),
    Case("yaml-invalid", _tree({"rb.md": "---\nimports: [a\n---\n# T\n"}), 2, LOC),
    Case(
        "frontmatter-control-character",
        _tree({"rb.md": "---\n\x04: x\n---\n# T\n"}),
        2,
        LOC + ".*frontmatter",
    ),
    Case(
        "yaml-duplicate-imports-last-wins",
        _tree({"rb.md": "---\nimports: x\nimports: [a]\n---\n# T\n", "a.md": "# A\n"}),
        0,
        None,
    ),
    Case("yaml-wrong-shape", _tree({"rb.md": "---\nimports: 3\n---\n# T\n"}), 2, LOC + ".*imports"),
    Case(
        "unterminated-fence",
        _tree({"rb.md": f"# T\n\n{FENCE}shell\ntouch {CANARY}\n"}),
        2,
        r"^rb\.md:3: .*(unterminated|not closed|never closed)",
    ),
    Case(
        "fence-closes-in-includer",
        _tree(
            {"rb.md": f'# T\n--8<-- "a.md"\ntouch {CANARY}\n{FENCE}\n', "a.md": f"{FENCE}shell\n"}
        ),
        2,
        r"^a\.md:1: ",
    ),
    Case("invalid-utf8", _tree({"rb.md": b"# T\n\nok\n\xff\xfe bad\n"}), 2, r"^rb\.md:4: .*UTF-8"),
    Case(
        "bom-crlf-accepted",
        _tree({"rb.md": b"\xef\xbb\xbf# T\r\n\r\n```shell\r\necho hi\r\n```\r\n"}),
        0,
        None,
    ),
    Case("nul-byte", _tree({"rb.md": b"# T\n\nab\x00cd\n"}), 2, r"^rb\.md:3: .*NUL"),
    Case("empty-file", _tree({"rb.md": ""}), 2, r"^rb\.md(:\d+)?: .*empty"),
    Case("runbook-is-directory", _tree({"rb.md/x": "x"}), 2, r"rb\.md.*director"),
    Case("runbook-unreadable", _unreadable, 2, r"rb\.md"),
    Case(
        "unknown-attribute",
        _tree({"rb.md": f"# T\n\n{FENCE}bash {{colour=red}}\ntouch {CANARY}\n{FENCE}\n"}),
        2,
        r"^rb\.md:3: .*colour",
    ),
    Case(
        "malformed-attributes",
        _tree({"rb.md": f'# T\n\n{FENCE}bash {{name="x}}\ntouch {CANARY}\n{FENCE}\n'}),
        2,
        r"^rb\.md:3: ",
    ),
    Case(
        "bad-range-reversed",
        _tree({"rb.md": '--8<-- "a.md:9:3"\n', "a.md": "1\n2\n3\n"}),
        2,
        r"^rb\.md:1: ",
    ),
    Case(
        "bad-range-letters",
        _tree({"rb.md": '--8<-- "a.md:x"\n', "a.md": "1\n2\n3\n"}),
        2,
        r"^rb\.md:1: ",
    ),
    Case("include-depth-200", _deep(200), 2, r"^d\d+\.md:\d+: .*(deep|depth)"),
    Case("include-depth-30-accepted", _deep(30), 0, None),
    Case("runbook-50mb-accepted", _big_runbook(50_000_000), 0, None, ("list", "plan")),
    Case("single-line-10mb-accepted", _long_line(10_000_000), 0, None),
    Case("blocks-10000-accepted", _many_blocks(10_000), 0, None),
)

MANY_BLOCKS_ONE_HEADING = _many_blocks(10_000, "# Steps\n\n")
"""10,000 blocks whose derived names all start as `steps` (see test_bad_input.py)."""
