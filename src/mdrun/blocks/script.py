"""What a block runs: madwizard's `exec:` protocol, and its `validate:` check, as shell source.

A shell block runs its body. A `python` block, or any block with `exec:`, has its body written
to `$MWFILEPATH` (in a fresh `$MWDIR`, named `$MWFILENAME`) and runs the exec command (python
blocks: `python3 -u "$MWFILEPATH"`), as madwizard does. A block's own `validate:` becomes the
check that `mdrun run` and `plan --format sh` test first, in the block's shell: when it
succeeds the block is skipped as already done (a guidebook's `validate:` is tested once per
import instead, `mdrun.run.guidebooks`). The store's helper
commands (`pip-show` in `validate:`, `exec: pip-install`, which the clients that ran the store
provided) are shell functions defined for both; `exec: ray-submit …` runs mdrun's own submitter
(`python -m mdrun.ray.submit`, with the body and where it came from). Pure string work: the
results are kept on the `Block` (`script`, `done_check`) for the later stages.
"""

from __future__ import annotations

import os
import shlex

from mdrun.model import Block

HELPERS = (
    # `pip-show PKG...`: succeeds when every package is installed for python3 (extras ignored).
    'pip-show() { local p; for p in "$@"; do python3 -m pip show -q "${p%%\\[*}" >/dev/null 2>&1'
    " || return 1; done; }\n"
    # `exec: pip-install`: the body is a requirements file; its lines are also added to
    # `$MDRUN_RAY_PIP`, which the run's Ray jobs (`exec: ray-submit`) install too.
    'pip-install() { python3 -m pip install -r "$MWFILEPATH" || return;'
    ' export MDRUN_RAY_PIP="${MDRUN_RAY_PIP:+$MDRUN_RAY_PIP$\'\\n\'}$(cat "$MWFILEPATH")"; }\n'
)

RAY_SUBMIT = "ray-submit"
"""The `exec:` word that submits the body as a Ray job: `python -m mdrun.ray.submit` does it."""


def _exec_of(block: Block) -> str | None:
    command = block.options.exec
    if command and command.split(maxsplit=1)[0] == RAY_SUBMIT:
        return _ray_submit(block, command)
    if command:
        return command
    if block.language in ("python", "py"):
        return 'python3 -u "$MWFILEPATH"'
    return None


def _ray_submit(block: Block, command: str) -> str:
    """The exec line run by mdrun's submitter, told where the body came from; the rest of the
    line is left for the shell to expand, as madwizard's client received it."""
    lines = block.line_origins
    source = os.path.abspath(lines[0][-1].path if lines else block.origin[-1].path)
    where = f"{block.origin[-1]}" if block.origin else "?"
    options = (
        f'--body "$MWFILEPATH" --language {shlex.quote(block.language)} '
        f"--source {shlex.quote(source)} --location {shlex.quote(where)}"
    )
    return f'"${{MDRUN_PYTHON:-python3}}" -m mdrun.ray.submit {options} {command}'


def with_script(block: Block) -> Block:
    """`block` with its `script` and `done_check` set from its language and options."""
    return block._replace(script=exec_script(block), done_check=done_check(block))


def exec_script(block: Block) -> str | None:
    """The shell source that runs the block, or None when its body is that source."""
    command = _exec_of(block)
    if command is None:
        return None
    suffix = ".py" if block.language in ("python", "py") else ".txt"
    delimiter = _delimiter(block.body)
    body = block.body if block.body.endswith("\n") or not block.body else block.body + "\n"
    return (
        HELPERS
        + 'MWDIR=$(mktemp -d "${TMPDIR:-/tmp}/mdrun-exec.XXXXXX")\n'
        + f"MWFILENAME=block{suffix}\n"
        + 'MWFILEPATH="$MWDIR/$MWFILENAME"\n'
        + "export MWDIR MWFILENAME MWFILEPATH\n"
        + f"cat > \"$MWFILEPATH\" <<'{delimiter}'\n{body}{delimiter}\n"
        + f"__mdrun_exec=0\n{{ {command}\n}} || __mdrun_exec=$?\n"
        + 'rm -rf -- "$MWDIR"\nunset MWDIR MWFILENAME MWFILEPATH\n'
        # The status of the last command, whether this runs sourced, in a subshell or a function.
        + "(exit $__mdrun_exec)\n"
    )


def done_check(block: Block) -> str | None:
    """A command that succeeds when the block's own `validate:` does (output hidden), or
    None. Its guidebooks' `validate:` are not in it: those are tested once per import."""
    own = block.options.validate
    return None if not own else quiet_check(own)


def quiet_check(command: str) -> str:
    """`command` as a check: the helper commands defined, its output hidden."""
    return f"{{ {HELPERS}{{ {command}\n}}; }} >/dev/null 2>&1"


def _delimiter(body: str) -> str:
    lines = set(body.split("\n"))
    n = 0
    while f"__MDRUN_BODY_{n}__" in lines:
        n += 1
    return f"__MDRUN_BODY_{n}__"
