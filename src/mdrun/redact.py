"""Which variables hold secrets, and how their values are hidden in anything shown to people."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "***"
"""What a secret value is replaced with."""

_SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|KEY", re.IGNORECASE)


def is_secret(name: str) -> bool:
    """True when the variable's name says it holds a secret (`GITHUB_TOKEN`, `aws_secret_key`)."""
    return _SECRET.search(name) is not None


def secret_values(variables: Iterable[tuple[str, str | None]]) -> tuple[str, ...]:
    """Values of secret-looking variables to hide in free text, longest first (so a value that
    contains another is hidden whole). Values under 4 characters would blank ordinary words."""
    found = {v for k, v in variables if v is not None and len(v) >= 4 and is_secret(k)}
    return tuple(sorted(found, key=len, reverse=True))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every value of `secrets` replaced by `***`."""
    for value in secrets:
        text = text.replace(value, REDACTED)
    return text
