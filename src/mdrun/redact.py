"""Which variables hold secrets, and how their values are hidden in anything shown to people."""

from __future__ import annotations

import re
from collections.abc import Mapping

from mdrun.model import Environment, EnvValue

REDACTED = "***"
"""What a secret value is replaced with."""

_SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|KEY", re.IGNORECASE)


def is_secret(name: str) -> bool:
    """True when the variable's name says it holds a secret (`GITHUB_TOKEN`, `aws_secret_key`)."""
    return _SECRET.search(name) is not None


def redact_value(name: str, value: str | None) -> str | None:
    """`value`, or `***` when `name` is secret (None, an unknown value, stays None)."""
    if value is None or not is_secret(name):
        return value
    return REDACTED


def redact_env(env: Environment) -> dict[str, EnvValue]:
    """A copy of `env` with secret values replaced by `***` (source and certainty kept)."""
    out: dict[str, EnvValue] = {}
    for name, item in env.items():
        shown = redact_value(name, item.value)
        out[name] = item if shown == item.value else EnvValue(shown, item.source, item.certain)
    return out


def redact_mapping(values: Mapping[str, str]) -> dict[str, str]:
    """A copy of a plain name → value mapping with secret values replaced by `***`."""
    return {name: REDACTED if is_secret(name) else value for name, value in values.items()}
