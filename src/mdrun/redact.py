"""Which values are secret, and how they are hidden in anything shown to people.

Two kinds: the values of variables whose names say they hold a secret (`GITHUB_TOKEN`), and
the password of any URL that carries credentials (`postgres://u:hunter2@h/db`), whatever the
variable is called. Every render, run.json and the live status area go through here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mdrun.model import Answer

REDACTED = "***"
"""What a secret value is replaced with."""

_SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|KEY", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:)(?P<pw>[^\s/?#@]+)@")


def is_secret(name: str) -> bool:
    """True when the variable's name says it holds a secret (`GITHUB_TOKEN`, `aws_secret_key`)."""
    return _SECRET.search(name) is not None


def url_passwords(text: str) -> list[str]:
    """The passwords of URLs with credentials in `text` (`scheme://user:PASSWORD@host`)."""
    return [m["pw"] for m in _URL_PASSWORD.finditer(text)]


def hide_url_passwords(text: str) -> str:
    """`text` with each URL password replaced: `postgres://u:***@h/db`."""
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}{REDACTED}@", text)


def secret_values(variables: Iterable[tuple[str, str | None]]) -> tuple[str, ...]:
    """Values to hide in free text, longest first (so a value that contains another is hidden
    whole): those of secret-looking variables, and every URL password in any value. Values under
    4 characters would blank ordinary words."""
    found: set[str] = set()
    # A plan repeats the same variables in every block's environment: each pair once.
    for name, value in set(variables):
        if value is None:
            continue
        found.update(url_passwords(value))
        if is_secret(name):
            found.add(value)
    return tuple(sorted((v for v in found if len(v) >= 4), key=len, reverse=True))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every value of `secrets`, and every URL password, replaced by `***`."""
    for value in secrets:
        text = text.replace(value, REDACTED)
    return hide_url_passwords(text)


def redact_answer(answer: Answer) -> Answer:
    """`answer` as shown to people: a form field with a secret-looking name, or a value taken
    from such a variable (`$API_TOKEN`), becomes `***`, and so does the flag that gave it."""
    fields = tuple((k, REDACTED if is_secret(k) else v) for k, v in answer.fields)
    from_secret = answer.source == "environment" and is_secret(answer.detail)
    value = REDACTED if from_secret else answer.value
    if fields == answer.fields and value == answer.value:
        return answer
    detail = "--choose (value redacted)" if answer.source == "flag" else answer.detail
    return answer._replace(value=value, fields=fields, detail=detail)
