"""MD005: UTF-8 text that was once decoded as cp1252 (the seed's mangled pointing hand)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from mdrun.lint import Finding
from mdrun.load.sources import display_path
from mdrun.model import Document, Origin, SourceLocation

CODE = "MD005"
# Runs of non-ASCII characters; each run is tried as cp1252-encoded UTF-8.
_RUN = re.compile(r"[^\x00-\x7f]+")
_LEAD_LENGTH = ((0xC2, 0xDF, 2), (0xE0, 0xEF, 3), (0xF0, 0xF4, 4))


def _as_cp1252(char: str) -> int | None:
    """The byte cp1252 shows as `char`; the five bytes cp1252 leaves undefined come back as
    the C1 controls of the same number (how Windows and most tools decode them)."""
    try:
        return char.encode("cp1252")[0]
    except UnicodeEncodeError:
        return ord(char) if 0x80 <= ord(char) <= 0x9F else None


def repair(text: str) -> str:
    """`text` with every mojibake sequence decoded back to the characters meant."""
    return _RUN.sub(lambda m: _repair_run(m.group(0)), text)


def _repair_run(run: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(run):
        fixed, used = _decode_at(run, i)
        out.append(fixed)
        i += used
    return "".join(out)


def _decode_at(run: str, i: int) -> tuple[str, int]:
    """The UTF-8 character encoded by the cp1252 characters at `run[i:]`, or `run[i]` as is."""
    lead = _as_cp1252(run[i])
    for low, high, length in _LEAD_LENGTH:
        if lead is not None and low <= lead <= high and i + length <= len(run):
            raw = [_as_cp1252(c) for c in run[i : i + length]]
            if None in raw:
                break
            try:
                return bytes(b for b in raw if b is not None).decode("utf-8"), length
            except UnicodeDecodeError:
                break
    return run[i], 1


def find_mojibake(document: Document) -> list[Finding]:
    """One finding per mojibake run, at its file and line, with the repaired text suggested."""
    return _scan(document.text, document.origins)


def find_mojibake_in_file(path: str) -> list[Finding]:
    """The same for one file read as is: used when the runbook does not load as a whole."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return []
    shown = display_path(path)  # the loader's spelling, so that findings sort together
    origins = tuple((SourceLocation(shown, n),) for n in range(1, text.count("\n") + 2))
    return _scan(text, origins)


def _scan(text: str, origins: Sequence[Origin]) -> list[Finding]:
    findings = []
    for index, line in enumerate(text.split("\n")):
        for match in _RUN.finditer(line):
            fixed = _repair_run(match.group(0))
            if fixed != match.group(0) and index < len(origins):
                message = (
                    f'"{match.group(0)}" looks like UTF-8 read as cp1252; did you mean "{fixed}"?'
                )
                findings.append(Finding.at(origins[index], CODE, message))
    return findings
