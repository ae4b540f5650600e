"""The environment a run starts with: process environment, then `--env-file`s, then `-e K=V`.

Env files are parsed line by line, never sourced: `$(...)` in a value stays literal text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from mdrun.errors import UsageError
from mdrun.model import Environment, EnvValue, Source, SourceLocation
from mdrun.shell.scan import NAME, NAME_PATTERN

_LINE = re.compile(rf"(?:export\s+)?({NAME_PATTERN})=(.*)\Z")


def initial_environment(
    environ: Mapping[str, str], assignments: Sequence[str], env_files: Sequence[str]
) -> Environment:
    """Merge the three sources; later ones win. Raises `UsageError` on malformed input."""
    env: dict[str, EnvValue] = {
        name: EnvValue(value, Source("process")) for name, value in environ.items()
    }
    for path in env_files:
        env.update(read_env_file(path))
    for item in assignments:
        name, value = parse_assignment(item)
        env[name] = EnvValue(value, Source("option"))
    return env


def parse_assignment(item: str) -> tuple[str, str]:
    """`K=V` from the command line → (K, V)."""
    name, sep, value = item.partition("=")
    if not sep:
        raise UsageError(f"-e {item!r}: expected NAME=VALUE")
    if not NAME.fullmatch(name):
        raise UsageError(f"-e {item!r}: {name!r} is not a valid variable name")
    return name, value


def read_env_file(path: str) -> dict[str, EnvValue]:
    """The assignments of one env file, each with its `env file F:N` source."""
    try:
        # utf-8-sig: an editor's byte order mark is accepted, as it is in runbooks.
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--env-file {path}: cannot read: {exc}") from None
    out: dict[str, EnvValue] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        parsed = parse_env_line(line, SourceLocation(path, number))
        if parsed is not None:
            out[parsed[0]] = EnvValue(parsed[1], Source("env-file", f"{path}:{number}"))
    return out


def parse_env_line(line: str, location: SourceLocation) -> tuple[str, str] | None:
    """One env-file line → (name, value), or None for blank lines and comments."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    match = _LINE.match(stripped)
    if match is None:
        raise UsageError("expected NAME=VALUE (optionally after `export`)", location)
    return match.group(1), _unquote(match.group(2), location)


def _unquote(raw: str, location: SourceLocation) -> str:
    """Strip one pair of matching quotes; unquoted values lose a trailing ` # comment`."""
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = raw.find(quote, 1)
        if end < 0:
            raise UsageError(f"unterminated {quote} quote", location)
        rest = raw[end + 1 :].strip()
        if rest and not rest.startswith("#"):
            raise UsageError(f"unexpected text after the closing quote: {rest!r}", location)
        return raw[1:end]
    value, _, _ = raw.partition(" #")
    return value.strip()
