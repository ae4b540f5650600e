"""The shell state that sequential blocks share: exported environment and working directory.

Each sync block runs as `bash -e WRAPPER`; the wrapper sources the block's body in the same
shell, under an EXIT trap that writes `$PWD` and the exported environment (NUL-separated) to a
state file. Every `export`, `unset` and `cd` of the block, wherever it is, is therefore seen by
the next block, which starts from the state read back here. A block's own `trap … EXIT` runs
after the state is written instead of replacing that trap (see `mdrun/exit_trap.bash`).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
from collections.abc import Mapping
from typing import NamedTuple

from mdrun import exit_trap_source

# Written last: a dump cut short (the block killed during its EXIT trap) lacks it and is ignored.
_END = "__mdrun_state_end__"

# Variables bash maintains itself: carrying them over would make SHLVL grow by one per block.
_BASH_OWNED = frozenset({"SHLVL", "_", "OLDPWD"})


class ShellState(NamedTuple):
    """What one sync block leaves to the next."""

    env: Mapping[str, str]
    """Exported environment."""
    cwd: str
    """Absolute working directory."""


def wrapper_script(
    body_path: str,
    state_path: str | None,
    when: str | None = None,
    skip_path: str | None = None,
) -> str:
    """Bash source that runs `body_path` and, when `state_path` is set, dumps its state there.

    With `when`, the condition is tested first, in this shell: planning may have called it
    unknown, and the environment at run time is the one that counts. When it is false the
    wrapper creates `skip_path` and exits 0 without running the body.
    """
    body = shlex.quote(body_path)
    guard = ""
    if when is not None and skip_path is not None:
        guard = f"if ! {{\n{when}\n}}; then : > {shlex.quote(skip_path)}; exit 0; fi\n"
    if state_path is None:
        return f"{guard}set -e\n. {body}\n"
    env_bin = shlex.quote(shutil.which("env") or "/usr/bin/env")
    state = shlex.quote(state_path)
    # The trap runs on `exit N` inside the body too; it keeps the block's exit status.
    trap = (
        f"__mdrun_rc=$?; {{ printf '%s\\0' \"$PWD\"; {env_bin} -0; printf {_END}; }}"
        f" > {state} 2>/dev/null;"
        " __mdrun_run_exit_action $__mdrun_rc; exit $__mdrun_rc"
    )
    setup = f"__mdrun_shell=$BASHPID\nbuiltin trap {shlex.quote(trap)} EXIT\n" + exit_trap_source()
    return f"{setup}{guard}set -e\n. {body}\n"


def read_state(state_path: str, previous: ShellState) -> ShellState:
    """The state a block dumped, or `previous` when it dumped none (killed, `exec`...)."""
    try:
        with open(state_path, "rb") as f:
            raw = f.read()
    except OSError:
        return previous
    finally:
        _unlink(state_path)
    if not raw.endswith(b"\0" + _END.encode()):
        return previous
    fields = raw[: -len(_END)].split(b"\0")
    if len(fields) < 2:
        return previous
    cwd = os.fsdecode(fields[0])
    env: dict[str, str] = {}
    for item in fields[1:]:
        name, sep, value = item.partition(b"=")
        if sep and name:
            env[os.fsdecode(name)] = os.fsdecode(value)
    for owned in _BASH_OWNED:
        env.pop(owned, None)
        if owned in previous.env:
            env[owned] = previous.env[owned]
    return ShellState(env=env, cwd=cwd)


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
