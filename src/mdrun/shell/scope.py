"""What planning knows while it reads shell: the variables in scope, and three-valued outcomes.

Nothing here runs anything. `NeedsExecution` is how every static evaluator says "only running
this would tell", with a phrase that ends up in a verdict's reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import NamedTuple

from mdrun.model import EnvValue, Source
from mdrun.redact import REDACTED, is_secret

# Variables bash sets itself whatever the environment says (SHLVL is incremented, PWD follows
# the working directory...), and those it sets only when they are missing.
_BASH_OWNED = frozenset(
    [
        "BASHOPTS",
        "BASHPID",
        "DIRSTACK",
        "EPOCHREALTIME",
        "EPOCHSECONDS",
        "EUID",
        "FUNCNAME",
        "GROUPS",
        "HISTCMD",
        "HOSTNAME",
        "HOSTTYPE",
        "IFS",
        "LINENO",
        "MACHTYPE",
        "OLDPWD",
        "OPTERR",
        "OPTIND",
        "OSTYPE",
        "PIPESTATUS",
        "PPID",
        "PS4",
        "PWD",
        "RANDOM",
        "SECONDS",
        "SHELLOPTS",
        "SHLVL",
        "SRANDOM",
        "UID",
        "_",
    ]
)
_BASH_DEFAULTS = frozenset({"PATH", "SHELL", "TERM"})
_PLAIN = re.compile(r"[\w./:@%+,=-]+")


def set_by_shell(name: str) -> bool:
    """Whether bash or mdrun gives `name` a value in every block, whatever the environment."""
    return name in _BASH_OWNED or name in _BASH_DEFAULTS or name.startswith(("BASH", "MDRUN_"))


class NeedsExecution(Exception):  # noqa: N818 - a verdict, not a failure
    """Deciding would need running something. Raised with what would have to run
    (`NeedsExecution("command substitution $(curl …)")`, reason `needs command substitution…`)
    or, with `construct=False`, with the fact that makes a value unknowable (`X is only maybe
    set …`, the reason as given)."""

    def __init__(self, what: str, *, construct: bool = True) -> None:
        self.reason = f"needs {what}" if construct else what
        """The phrase a verdict's reason quotes."""
        self.construct = construct
        """The reason names a construct that would have to run, not a fact about values."""
        super().__init__(self.reason)

    def outcome(self) -> Outcome:
        """The unknown outcome this stands for."""
        return Outcome(None, self.reason, self.construct)


class Scope(NamedTuple):
    """The variables a piece of shell would see, as far as planning knows."""

    values: Mapping[str, EnvValue]
    """Set variables (exported or not); absent names are unset."""
    unset_by: Mapping[str, str] = MappingProxyType({})
    """Why an absent name is unset, when a block unset it (`unset by block "x" at F:3`)."""
    opened_by: str | None = None
    """Set when something opaque (`source`, `eval`) may have changed any variable."""

    def lookup(self, name: str) -> EnvValue | None:
        """The variable, None when known unset; raises when that cannot be known."""
        if self.opened_by is not None:
            raise NeedsExecution(
                f"{name} may have been changed by {self.opened_by}", construct=False
            )
        if name in _BASH_OWNED or name.startswith(("BASH", "MDRUN_")):
            raise NeedsExecution(
                f"{name} is set by bash or mdrun when the block runs", construct=False
            )
        item = self.values.get(name)
        if item is None:
            if name in _BASH_DEFAULTS:
                raise NeedsExecution(
                    f"bash gives {name} a default value when it is unset", construct=False
                )
            return None
        if not item.certain:
            raise NeedsExecution(
                f"{name} is only maybe set {source_phrase(item.source)}", construct=False
            )
        return item


def source_phrase(source: Source) -> str:
    """`(from -e)`, `(exported by block "init" at F:40)`: where a value came from."""
    if source.kind == "option":
        return "(from -e)"
    if source.kind == "process":
        return "(from the process environment)"
    if source.kind == "exported":
        return f"(exported by {source.where})"
    return f"(from {source})" if source.kind == "env-file" else f"({source})"


def show(value: str) -> str:
    """A value as written in a reason: bare when plain, else double-quoted with JSON's escapes."""
    return value if _PLAIN.fullmatch(value) else json.dumps(value, ensure_ascii=False)


def var_state(name: str, item: EnvValue | None, unset_by: str | None = None) -> str:
    """`X=2 (from -e)`, `X is empty (…)`, `X is unset (unset by block "b" at F:3)`."""
    if item is None:
        return f"{name} is unset ({unset_by})" if unset_by else f"{name} is unset"
    where = source_phrase(item.source)
    if item.value == "":
        return f"{name} is empty {where}"
    shown = REDACTED if is_secret(name) else show(item.value or "")
    return f"{name}={shown} {where}"


class Outcome(NamedTuple):
    """A condition's exit status as far as planning knows, and why."""

    value: bool | None
    """True for status 0, False for non-zero, None when it would need execution."""
    text: str
    """The facts that decided it, or why it cannot be decided."""
    needs_run: bool = False
    """Unknown because of a construct that would have to run: `text` reads `needs …`."""


def lazy(is_and: bool, first: Outcome, second: Callable[[], Outcome]) -> Outcome:
    """`first && second` or `first || second` in three-valued logic; `second` runs only when
    `first` does not decide alone. The reason keeps the facts that decided."""
    decisive = not is_and
    if first.value is decisive:
        return first
    other = second()
    if first.value is None:
        return other if other.value is decisive else first
    if other.value is None or other.value is decisive:
        return other
    return Outcome(other.value, f"{first.text}; {other.text}")
