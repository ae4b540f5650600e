"""Saved answers (`--profile NAME`): one JSON file per profile under the user's config directory.

`$XDG_CONFIG_HOME/mdrun/profiles/NAME.json` (`~/.config/…` without it), written atomically
(a temporary file in the same directory, then a rename), mode 0600. The file has madwizard's
profile shape (`name`, `creationTime`, `lastModifiedTime`, `lastUsedTime` in ms, and `choices`:
question id → answer, a form's answer a JSON object), so madwizard's own profiles import as
they are. madwizard keeps them in `env-paths("madwizard").data + "/profiles"`:
`$XDG_DATA_HOME/madwizard-nodejs/profiles` (`~/.local/share/…`) on Linux,
`~/Library/Application Support/madwizard-nodejs/profiles` on macOS, or `$MWPROFILES_PATH`.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from mdrun.errors import UsageError
from mdrun.model import Answer

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class Profile(NamedTuple):
    """A profile as stored."""

    name: str
    """Its name (`--profile NAME`)."""
    choices: Mapping[str, object]
    """Question id → answer (a string; a form's, an object of field → value)."""
    created: int
    """`creationTime`, milliseconds since the epoch."""
    modified: int
    """`lastModifiedTime`, milliseconds since the epoch."""


def profiles_dir(env: Mapping[str, str] | None = None) -> str:
    """`$XDG_CONFIG_HOME/mdrun/profiles`, else `~/.config/mdrun/profiles`."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "mdrun", "profiles")


def madwizard_dir(env: Mapping[str, str] | None = None) -> str:
    """Where madwizard keeps its profiles on this machine."""
    env = os.environ if env is None else env
    if env.get("MWPROFILES_PATH"):
        return env["MWPROFILES_PATH"]
    home = os.path.expanduser("~")
    if sys.platform == "darwin":
        data = os.path.join(home, "Library", "Application Support", "madwizard-nodejs")
    else:
        base = env.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
        data = os.path.join(base, "madwizard-nodejs")
    return os.path.join(data, "profiles")


def _path(name: str, env: Mapping[str, str] | None) -> str:
    if not _NAME.fullmatch(name) or name.endswith(".json"):
        raise UsageError(f"profile name {name!r}: use letters, digits, '_', '-' and '.'")
    return os.path.join(profiles_dir(env), name + ".json")


def parse(text: str, where: str) -> Profile:
    """A profile file's text (mdrun's or madwizard's) → Profile; exit 2 when it is not one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{where}: not a profile (bad JSON: {exc})") from None
    ok = isinstance(data, dict) and isinstance(data.get("name"), str)
    ok = ok and all(
        isinstance(data.get(k), int | float) for k in ("creationTime", "lastModifiedTime")
    )
    if not ok or not isinstance(data.get("choices"), dict):
        raise UsageError(
            f"{where}: not a profile (needs name, creationTime, lastModifiedTime, choices)"
        )
    return Profile(
        data["name"], data["choices"], int(data["creationTime"]), int(data["lastModifiedTime"])
    )


def load(name: str, env: Mapping[str, str] | None = None) -> Profile | None:
    """The saved profile `name`, or None when there is none yet."""
    path = _path(name, env)
    try:
        with open(path, encoding="utf-8") as handle:
            return parse(handle.read(), path)
    except FileNotFoundError:
        return None


def _write(path: str, data: Mapping[str, object]) -> None:
    """Write JSON atomically: readers see the old file or the new one, never half of one."""
    import tempfile  # only when a profile is written: plan and list read profiles at most

    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def stored_value(answer: Answer) -> object:
    """An answer as a profile keeps it: the answer's name, or a form's object of fields."""
    return dict(answer.fields) if answer.fields else answer.value


def save(name: str, answers: Iterable[Answer], env: Mapping[str, str] | None = None) -> str:
    """Merge `answers` into profile `name`. Aprioris and answers from the environment are not
    saved: the machine and the environment give them again."""
    path = _path(name, env)
    old = load(name, env)
    now = int(time.time() * 1000)
    choices = dict(old.choices) if old else {}
    kept = [a for a in answers if a.source not in ("apriori", "environment")]
    choices.update({a.id: stored_value(a) for a in kept})
    created = old.created if old else now
    record = {"name": name, "creationTime": created, "lastModifiedTime": now, "lastUsedTime": now}
    _write(path, {**record, "choices": choices})
    return path


def names(env: Mapping[str, str] | None = None) -> list[str]:
    """The saved profiles' names, sorted (temporary files left out)."""
    try:
        files = os.listdir(profiles_dir(env))
    except FileNotFoundError:
        return []
    return sorted(
        f[: -len(".json")] for f in files if f.endswith(".json") and not f.startswith(".")
    )


def clear(name: str, env: Mapping[str, str] | None = None) -> bool:
    """Delete profile `name`; False when there was none."""
    try:
        os.unlink(_path(name, env))
    except FileNotFoundError:
        return False
    return True


def _safe(name: str) -> str:
    """A madwizard profile's name as an mdrun one (its tests name one `profile.json`)."""
    name = re.sub(r"\.json$", "", name)
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name).lstrip(".-") or "imported"


def import_madwizard(
    source: str, name: str | None = None, env: Mapping[str, str] | None = None
) -> str:
    """Copy a madwizard profile file (or the one named `source` in its directory) into mdrun's."""
    path = (
        source
        if os.sep in source or os.path.isfile(source)
        else os.path.join(madwizard_dir(env), source)
    )
    try:
        with open(path, encoding="utf-8") as handle:
            profile = parse(handle.read(), path)
    except OSError as exc:
        raise UsageError(f"cannot read madwizard profile {path}: {exc.strerror}") from None
    target = name or _safe(profile.name)
    data = {
        "name": target,
        "creationTime": profile.created,
        "lastModifiedTime": profile.modified,
        "lastUsedTime": int(time.time() * 1000),
        "choices": dict(profile.choices),
    }
    _write(_path(target, env), data)
    return target
