"""Coverage-guided fuzzing of the include expander with atheris (not run by pytest or CI).

    pip install atheris
    python -m tests.adversarial.fuzz_expander -max_total_time=120 [CORPUS_DIR]

The input bytes are split on NUL-NUL into up to three files (rb.md, a.md, sub/b.md) so that
markers can name each other; markers are seeded in the dictionary below. Any exception other
than `MdrunError` is a crash, and so is expanded text whose origins do not match it line for
line.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["mdrun"]):
    from mdrun.errors import MdrunError
    from mdrun.load.loader import load_document
    from mdrun.model import LoadOptions

NAMES = ("rb.md", "a.md", "sub/b.md")
# FUZZ_SKIP=Name,...: exception class names to skip, so that the fuzzer can look past a crash
# already reported (it found yaml's ReaderError, fixed in f5b6ca6) for the next one.
SKIP = {name for name in os.environ.get("FUZZ_SKIP", "").split(",") if name}
DICTIONARY = (
    '--8<-- "a.md"', '--8<-- "sub/b.md"', '--8<-- "a.md:s"', ":2:3", "--8<--", ";--8<--",
    "<!-- --8<-- [start:s] -->", "<!-- --8<-- [end:s] -->", "---\nimports: [a]\n---\n",
    "```shell\n", "```\n", "\r\n", "\ufeff", '"../x"', '"/etc/hostname"',
)  # fmt: skip


def one_input(data: bytes) -> None:
    """Expand the tree the bytes describe; only MdrunError may come out."""
    parts = data.split(b"\0\0")[: len(NAMES)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sub").mkdir()
        for name, content in zip(NAMES, parts, strict=False):
            (root / name).write_bytes(content)
        if len(parts) == 0 or not (root / "rb.md").exists():
            return
        try:
            doc = load_document(str(root / "rb.md"), LoadOptions(base_paths=(str(root),)))
        except MdrunError:
            return
        except Exception as exc:
            if type(exc).__name__ in SKIP:
                return
            raise
        lines = len(doc.text.split("\n"))
        if len(doc.origins) != lines:
            raise AssertionError(f"{len(doc.origins)} origins for {lines} lines")


def _escape(byte: int) -> str:
    """libFuzzer's dictionary syntax: printable ASCII as is, the rest as \\xNN."""
    char = chr(byte)
    return char if 32 <= byte < 127 and char not in '"\\' else f"\\x{byte:02x}"


def main() -> None:
    """Run atheris with a dictionary of marker fragments."""
    fd, dict_path = tempfile.mkstemp(suffix=".dict")
    with os.fdopen(fd, "w") as f:
        for entry in DICTIONARY:
            f.write('"' + "".join(_escape(b) for b in entry.encode()) + '"\n')
    atheris.Setup([*sys.argv, f"-dict={dict_path}"], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
