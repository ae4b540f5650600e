"""Renderers: draw a `Plan` (text, markdown, json, sh) or a block listing; compute nothing.

`render_plan` imports the renderer of the format asked for, and only that one: it is the
render stage's one lazy import, so that `mdrun plan` (text) and `mdrun list` (through
`render.listing`) load neither jinja2 nor the other renders.

The helpers below are shared by the four plan renders so that they agree on what is shown,
and above all on what is redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from mdrun.model import Environment, EnvValue, Plan, UnfetchedImport, format_origin
from mdrun.redact import REDACTED, hide_url_passwords, is_secret, scrub, secret_values

__all__ = ["FORMATS", "REDACTED", "is_secret", "render_plan"]

FORMATS = ("text", "markdown", "json", "sh")

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]
"""What the JSON renders are built of."""


def render_plan(
    plan: Plan, fmt: str = "text", show_secrets: bool = False, show_env: bool = False
) -> str:
    """Render `plan` in `fmt` (`text`, `markdown`, `json` or `sh`) as one string. `show_env`:
    the JSON lists every inherited variable, not only those the runbook reads or sets."""
    if fmt == "text":
        from mdrun.render.text import render_text

        return render_text(plan, show_secrets=show_secrets)
    if fmt == "markdown":
        from mdrun.render.markdown import render_markdown

        return render_markdown(plan, show_secrets=show_secrets)
    if fmt == "json":
        from mdrun.render.plan_json import render_json

        return render_json(plan, show_secrets=show_secrets, show_env=show_env)
    if fmt == "sh":
        from mdrun.render.sh import render_sh

        return render_sh(plan, show_secrets=show_secrets)
    raise ValueError(f"unknown plan format {fmt!r}; expected one of {', '.join(FORMATS)}")


def render_plans(
    plans: Sequence[Plan], fmt: str, show_secrets: bool, show_env: bool, as_list: bool
) -> str:
    """Several plans: JSON as one array (`as_list`), the other formats one after another."""
    return join_plans([render_plan(plan, fmt, show_secrets, show_env) for plan in plans], fmt,
                      as_list)  # fmt: skip


def join_plans(shown: Sequence[str], fmt: str, as_list: bool) -> str:
    """Rendered plans as one output: JSON as one array (`as_list`), others one after another."""
    if not as_list:
        return "".join(shown)
    if fmt == "json":
        return "[\n" + ",\n".join(text.rstrip("\n") for text in shown) + "\n]\n"
    return "\n".join(shown)


def shown_value(name: str, value: EnvValue, show_secrets: bool) -> str | None:
    """The value to print for `name`: None when unknown, `REDACTED` for hidden secrets, URL
    passwords hidden (`postgres://u:***@h/db`) whatever the name."""
    if value.value is None or show_secrets:
        return value.value
    if is_secret(name):
        return REDACTED
    return hide_url_passwords(value.value)


class ShownVariable(NamedTuple):
    """One row of a render's environment table."""

    name: str
    """Variable name."""
    value: str | None
    """Value as shown (redacted when secret), None when set but unknown."""
    source: str
    """Where it was set."""
    certain: bool
    """False when only maybe set."""
    redacted: bool
    """True when `value` hides a secret (all of it, or a URL's password)."""


def shown_variables(
    env: Environment, show_secrets: bool, everything: bool, read: Iterable[str] = ()
) -> list[ShownVariable]:
    """Rows for `env` sorted by name; without `everything`, the process environment is left out
    (it is the reader's own, and long) except the variables named in `read`."""
    keep = frozenset(read)
    rows = []
    for name in sorted(env):
        value = env[name]
        if not everything and value.source.kind == "process" and name not in keep:
            continue
        shown = shown_value(name, value, show_secrets)
        rows.append(
            ShownVariable(name, shown, str(value.source), value.certain, shown != value.value)
        )
    return rows


_REFERENCE = re.compile(r"\$\{?[#!]?([A-Za-z_][A-Za-z0-9_]*)")


def runbook_names(plan: Plan) -> frozenset[str]:
    """Variables the runbook reads (`$X`, `${X…}` in a body or a `when=`) or that a block sets."""
    names: set[str] = set()
    for planned in plan.blocks:
        texts = (planned.block.body, planned.block.options.when or "")
        names.update(m for text in texts for m in _REFERENCE.findall(text))
        names.update(n for n, v in planned.env.items() if v.source.kind != "process")
    return frozenset(names)


def planned_environment(plan: Plan) -> dict[str, EnvValue]:
    """Every variable the run is given or that a block sets before the last block starts.

    Later values win: this is what a reviewer wants to see in one table."""
    merged: dict[str, EnvValue] = dict(plan.initial_env)
    for planned in plan.blocks:
        merged.update(planned.env)
    return merged


def scrubber(plan: Plan, show_secrets: bool) -> Scrub:
    """A function that hides secret values inside free text such as verdict reasons."""
    if show_secrets:
        return Scrub(())
    envs: Iterable[Environment] = [plan.initial_env, *(p.env for p in plan.blocks)]
    return Scrub(secret_values((name, v.value) for env in envs for name, v in env.items()))


class Scrub(NamedTuple):
    """Replaces each known secret value with `REDACTED`."""

    secrets: tuple[str, ...]
    """Values to hide, longest first so that a value containing another is hidden whole."""

    def __call__(self, text: str) -> str:
        return scrub(text, self.secrets)


def counts(plan: Plan) -> dict[str, int]:
    """How many blocks would run, be skipped, or are undecided."""
    result = {"run": 0, "skip": 0, "unknown": 0}
    for planned in plan.blocks:
        result[planned.verdict.kind] += 1
    return result


def with_newline(body: str) -> str:
    """`body` ending with a newline (an empty body stays empty), ready to paste before a closer."""
    return body if not body or body.endswith("\n") else body + "\n"


FETCHED_BY = "--allow-url"
"""The flag that fetches a URL import (shown beside every import that was not fetched)."""


def unfetched_note(unfetched: UnfetchedImport) -> str:
    """`not fetched: import https://… at rb.md:3; its blocks are unknown (--allow-url fetches
    it)`: one line for a URL import left out, as the text renders show it."""
    group = f" (group {unfetched.group})" if unfetched.group else ""
    where = format_origin(unfetched.origin)
    return (
        f"not fetched: import {unfetched.url}{group} at {where}; "
        f"its blocks are unknown ({FETCHED_BY} fetches it)"
    )


def unfetched_dict(unfetched: UnfetchedImport) -> JsonValue:
    """One element of the JSON renders' `unfetched_imports` (plan-schema.md, list-schema.md)."""
    return {
        "url": unfetched.url,
        "group": unfetched.group,
        "origin": [{"path": loc.path, "line": loc.line} for loc in unfetched.origin],
        "blocks": "unknown",
        "fetched_by": FETCHED_BY,
    }
