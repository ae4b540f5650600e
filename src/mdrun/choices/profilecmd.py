"""`mdrun profile list|show|clear|import`: the saved answers, for people to read and manage."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Literal, TextIO

from mdrun.choices import profiles
from mdrun.errors import UsageError

ProfileAction = Literal["list", "show", "clear", "import"]


def _when(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000))


def _show(name: str, out: TextIO, env: Mapping[str, str] | None) -> None:
    profile = profiles.load(name, env)
    if profile is None:
        raise UsageError(f"no profile named {name!r} (see `mdrun profile list`)")
    for key, value in profile.choices.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        print(f"{key} = {text}", file=out)


def profile_command(
    action: ProfileAction,
    name: str | None,
    out: TextIO,
    source: str | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Do one profile action; the exit code. `source` is a madwizard profile (a path, or a name
    in madwizard's own directory) for `import`, which saves it as `name` (default: its name)."""
    if action == "list":
        for each in profiles.names(env):
            profile = profiles.load(each, env)
            if profile is not None:
                count = len(profile.choices)
                print(f"{each}\t{count} answers\tchanged {_when(profile.modified)}", file=out)
        return 0
    if action == "import":
        target = profiles.import_madwizard(
            source or name or "default", name if source else None, env
        )
        print(f"imported as profile {target!r} ({profiles.profiles_dir(env)})", file=out)
        return 0
    if not name:
        raise UsageError(f"mdrun profile {action} needs a profile name")
    if action == "show":
        _show(name, out, env)
    elif not profiles.clear(name, env):
        raise UsageError(f"no profile named {name!r} (see `mdrun profile list`)")
    return 0
