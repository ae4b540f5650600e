"""A fence's info string: `LANG[.async] [{key=value ...}]` → language and `BlockOptions`.

The attribute set is the one documented in docs/ARCHITECTURE.md ("Block attributes"). Anything
else — an unknown key, a stray quote or brace, a bad value, an option that only makes sense for
the other kind of block — is a `BlockError` at the fence's line, because a typo silently ignored
would change what runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mdrun.errors import BlockError
from mdrun.model import BlockOptions, Origin, SourceLocation

LANGUAGES = ("shell", "sh", "bash", "python", "py")
"""Fence languages that run: shell ones in bash, `python`/`py` with python3 (as madwizard)."""
PYTHON = ("python", "py")
_LANG = re.compile(r"(?P<lang>[^\s{.]+)(?P<suffix>\.[^\s{]*)?\s*(?P<rest>.*)", re.DOTALL)
_PAIR = re.compile(
    r"""\s*(?P<key>[A-Za-z][\w-]*)="""
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'{}]+))"""
)
_DURATION = re.compile(r"(?P<num>[0-9]+(?:\.[0-9]+)?)(?P<unit>ms|s|m|h)?")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
RESTART_POLICIES = ("no", "on-failure", "always")
ASYNC_ONLY = ("restart", "max-restarts", "ready", "ready-timeout", "required")
SYNC_ONLY = ("finally",)


def _duration(text: str) -> float:
    match = _DURATION.fullmatch(text)
    if match is None or float(match["num"]) <= 0:
        raise ValueError("expected a positive duration such as 30, 30s, 500ms, 2m or 1h")
    number, unit = float(match["num"]), match["unit"]
    # Dividing keeps `43ms` exactly 0.043; multiplying by 0.001 would not.
    return number / 1000 if unit == "ms" else number * _UNITS[unit]


def _boolean(text: str) -> bool:
    try:
        return _BOOLEANS[text.lower()]
    except KeyError:
        raise ValueError("expected true/false, yes/no or 1/0") from None


def _name(text: str) -> str:
    if _NAME.fullmatch(text) is None:
        raise ValueError(
            "expected letters, digits, '-', '_' or '.', starting with a letter or digit"
        )
    return text


def _restart(text: str) -> str:
    if text not in RESTART_POLICIES:
        raise ValueError(f"expected one of {', '.join(RESTART_POLICIES)}")
    return text


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ValueError("expected a whole number (0 or more)")
    return int(text)


def _text(text: str) -> str:
    if not text.strip():
        raise ValueError("expected a non-empty value")
    return text


def _ready(text: str) -> str:
    """An http(s) URL, or a regex (Python's syntax) that must compile now, not mid-run."""
    _text(text)
    if not text.startswith(("http://", "https://")):
        try:
            re.compile(text)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression ({exc})") from None
    return text


# attribute key → (BlockOptions field, value parser)
ATTRIBUTES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "name": ("name", _name),
    "async": ("is_async", _boolean),
    "pty": ("pty", _boolean),
    "cwd": ("cwd", _text),
    "timeout": ("timeout", _duration),
    "restart": ("restart", _restart),
    "max-restarts": ("max_restarts", _count),
    "ready": ("ready", _ready),
    "ready-timeout": ("ready_timeout", _duration),
    "when": ("when", _text),
    "required": ("required", _boolean),
    "allow-failure": ("allow_failure", _boolean),
    "finally": ("cleanup", _boolean),
}


def _split_location(location: SourceLocation | Origin) -> tuple[SourceLocation | None, Origin]:
    if isinstance(location, SourceLocation):
        return location, ()
    return (location[-1], location[:-1]) if location else (None, ())


def parse_info(info: str, location: SourceLocation | Origin) -> tuple[str, BlockOptions] | None:
    """The language and options of a shell fence, or None when the fence is not a shell block.

    `location` (the fence line, or its whole origin) is where errors point.
    """
    match = _LANG.fullmatch(info.strip())
    if match is None or match["lang"] not in LANGUAGES:
        return None
    where, chain = _split_location(location)

    def fail(message: str) -> BlockError:
        return BlockError(message, where, chain)

    lang, suffix, rest = match["lang"], match["suffix"], match["rest"]
    if suffix not in (None, ".async", ".stdin", ".async.stdin"):
        raise fail(f"unknown fence suffix {suffix!r} after {lang!r} (known: .async, .stdin)")
    raw = _attributes(rest, fail)
    values = _convert(raw, fail)
    if suffix and suffix.endswith(".stdin"):
        values["stdin"] = True
    if suffix and suffix.startswith(".async"):
        if values.get("is_async") is False:
            raise fail(f"'{lang}.async' contradicts async=false")
        values["is_async"] = True
    _check_kind(raw, bool(values.get("is_async")), fail)
    return lang, BlockOptions(**values)


def _attributes(rest: str, fail: Callable[[str], BlockError]) -> dict[str, str]:
    """`{k=v k2="v 2"}` → {"k": "v", "k2": "v 2"}, rejecting anything malformed."""
    if not rest:
        return {}
    if not rest.startswith("{"):
        raise fail(
            f"unexpected {rest!r} after the language (attributes go in braces: {{key=value}})"
        )
    if not rest.endswith("}"):
        after = rest[rest.rfind("}") + 1 :].strip()
        if "}" in rest and not any(q in after for q in "\"'"):
            raise fail(f"unexpected {after!r} after the block attributes {rest!r}")
        raise fail(f"unbalanced braces in block attributes {rest!r}")
    inner, pos = rest[1:-1], 0
    found: dict[str, str] = {}
    while inner[pos:].strip():
        pair = _PAIR.match(inner, pos)
        if pair is None:
            raise fail(_malformed(inner[pos:].strip()))
        key = pair["key"]
        if key in found:
            raise fail(f"block attribute {key!r} given twice")
        found[key] = next(v for v in (pair["dq"], pair["sq"], pair["bare"]) if v is not None)
        pos = pair.end()
        if pos < len(inner) and not inner[pos].isspace():
            raise fail(_malformed(inner[pos:].strip()))
    return found


def _malformed(text: str) -> str:
    if text.count('"') % 2 or text.count("'") % 2:
        return f"unterminated quote in block attributes near {text!r}"
    if "{" in text or "}" in text:
        return f"unbalanced braces in block attributes near {text!r} (quote values with braces)"
    if "=" not in text.split()[0]:
        return f"block attribute {text.split()[0]!r} needs a value (key=value)"
    return f"malformed block attribute near {text!r} (expected key=value)"


def _convert(raw: dict[str, str], fail: Callable[[str], BlockError]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, text in raw.items():
        if key not in ATTRIBUTES:
            raise fail(f"unknown block attribute {key!r} (known: {', '.join(ATTRIBUTES)})")
        field, parse = ATTRIBUTES[key]
        try:
            values[field] = parse(text)
        except ValueError as exc:
            raise fail(f"bad value {text!r} for block attribute {key!r}: {exc}") from None
    return values


def _check_kind(raw: dict[str, str], is_async: bool, fail: Callable[[str], BlockError]) -> None:
    if _boolean(raw.get("required", "no")) and _boolean(raw.get("allow-failure", "no")):
        raise fail("required=true (its end fails the run) contradicts allow-failure=true")
    wrong = [k for k in (SYNC_ONLY if is_async else ASYNC_ONLY) if k in raw]
    if wrong:
        kind, other = ("async", "sync") if is_async else ("sync", "async")
        raise fail(f"block attribute {wrong[0]!r} applies to {other} blocks, not {kind} ones")
