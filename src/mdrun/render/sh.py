"""The `sh` plan render: one standalone bash script that does what `mdrun run` would do.

The fixed machinery (logging, draining, the EXIT trap) is templates/prelude.sh.j2; this module
writes the per-block part. Bodies are pasted verbatim: the script is for diffing and reviewing,
so it must show the code that runs, not a quoted copy of it.
"""

from __future__ import annotations

import math
import re
import shlex

from mdrun import exit_trap_source
from mdrun.errors import IncludeError
from mdrun.model import Block, Environment, Origin, Plan, PlannedBlock, format_origin
from mdrun.redact import url_passwords
from mdrun.render import (
    Scrub,
    counts,
    is_secret,
    scrubber,
    with_newline,
)
from mdrun.render.jinja import templates
from mdrun.render.sh_choices import in_cases, variable_lines

DEFAULT_GRACE = 5


def log_name(block: Block) -> str:
    """The block's log file stem: its name with anything unsafe for a file name replaced."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", block.name).strip(".-")
    return stem or f"block-{block.index}"


def _comment(text: str) -> str:
    return " ".join(text.split())


def _header(planned: PlannedBlock, scrub: Scrub) -> list[str]:
    block, verdict = planned.block, planned.verdict
    branch = f" [branch: {verdict.branch}]" if verdict.branch else ""
    reason = _comment(scrub(verdict.reason))
    title = f"{block.index}. {_comment(block.name)} · {block.mode}"
    return [
        f"# ── {title} · {verdict.kind}: {reason}{branch}",
        f"#    from {format_origin(block.origin)}",
    ]


def _guarded(block: Block) -> str:
    """What runs (the body, or its `exec:` script), inside `if WHEN; then … fi` when the block
    has a `when=` guard or a `validate:` check (run unless already done)."""
    body = with_newline(block.body if block.script is None else block.script)
    tests = [f"{{ {t}\n}}" for t in (block.options.when,) if t is not None]
    if block.done_check is not None:
        tests.append(f"! {block.done_check}")
    if not tests:
        return body
    if len(tests) == 1 and block.done_check is None:
        return f"if {block.options.when}\nthen\n{body}fi\n"
    return f"if {' && '.join(tests)}\nthen\n{body}fi\n"


def _sync(block: Block) -> list[str]:
    """A subshell under `set -e`, like `mdrun run`'s `bash -e` per block; its EXIT trap saves
    the exports and the directory for `__mdrun_after` to take over (see the prelude)."""
    names = f"{shlex.quote(block.name)} {shlex.quote(log_name(block))}"
    lines = []
    if block.options.timeout is not None:
        lines.append(f"# timeout={block.options.timeout:g}s is not enforced for sync blocks here")
    cwd = block.options.cwd
    # cwd= is for this block only: its exports flow on, its directory does not.
    lines.append(f"__mdrun_open {names}" + (" stay" if cwd is not None else ""))
    lines.append("( trap __mdrun_save EXIT; __mdrun_shell=$BASHPID")
    if cwd is not None:
        lines.append(f"cd -- {shlex.quote(cwd)} || exit 1")
    lines += ["set -e", _guarded(block) + ') >&"$__mdrun_fd" 2>&1']
    failure = "allow-failure" if block.options.allow_failure else "stop"
    lines.append(f"__mdrun_after $? {block.index} {shlex.quote(block.name)} {failure}")
    return lines


def _restarting(block: Block) -> str:
    """An async body wrapped in the restart policy's loop, each attempt in a subshell."""
    options = block.options
    stop = '[ "$__mdrun_rc" -eq 0 ] && break\n    ' if options.restart == "on-failure" else ""
    return (
        "__mdrun_n=0\n"
        "while :; do\n"
        f"    (\n    set -e\n{_guarded(block)}    )\n"
        "    __mdrun_rc=$?\n"
        f"    {stop}"
        f'[ "$__mdrun_n" -ge {options.max_restarts} ] && exit "$__mdrun_rc"\n'
        "    __mdrun_n=$((__mdrun_n + 1))\n"
        '    sleep "$__mdrun_n"\n'
        "done\n"
    )


def _async(block: Block) -> list[str]:
    options = block.options
    names = f"{shlex.quote(block.name)} {shlex.quote(log_name(block))}"
    body = _guarded(block) if options.restart == "no" else _restarting(block)
    cwd = f"cd -- {shlex.quote(options.cwd)} || exit 1\n" if options.cwd else ""
    # set -m only around the launch: the job gets its own process group, while sync blocks
    # stay in ours and so still receive the terminal's Ctrl-C.
    errexit = "set -e\n" if options.restart == "no" else ""  # else: in each attempt
    lines = ["set -m", "{", cwd + errexit + body + f"}} > >(__mdrun_out {names}) 2>&1 &"]
    lines += ["__mdrun_jobs+=($!)", "set +m"]
    if options.timeout is not None:
        seconds = math.ceil(options.timeout)
        # A watchdog in our own process group: the EXIT trap does not wait for it.
        lines.append(f'(sleep {seconds}; kill -TERM -- "-${{__mdrun_jobs[-1]}}") 2>/dev/null &')
    if options.ready is not None:
        wait = math.ceil(options.ready_timeout)
        lines.append(
            f"__mdrun_ready {shlex.quote(log_name(block))} {shlex.quote(options.ready)} {wait}"
        )
    return lines


def _finally(block: Block) -> list[str]:
    function = f"__mdrun_finally_{block.index}"
    cwd = block.options.cwd
    enter = f"cd -- {shlex.quote(cwd)} || exit 1\n" if cwd is not None else ""
    names = f"{shlex.quote(block.name)} {shlex.quote(log_name(block))}"
    return [
        "# finally=true: registered here, run by the EXIT trap after async blocks are stopped",
        f"{function}() {{",
        enter + _guarded(block) + "}",
        f"__mdrun_finally+=({function} {names} {'stay' if cwd is not None else '-'})",
    ]


def _skipped(block: Block) -> list[str]:
    return [f"# {line}".rstrip() for line in block.body.rstrip("\n").split("\n")]


def block_lines(planned: PlannedBlock, scrub: Scrub) -> list[str]:
    """The script lines for one block, header comment included."""
    block = planned.block
    lines = ["", *_header(planned, scrub)]
    # A block on a branch not chosen is kept: its `case` decides, from the question's variable.
    if planned.verdict.kind == "skip" and planned.chosen:
        return lines + _skipped(block)
    if block.options.cleanup:
        return lines + _finally(block)
    return lines + (_async(block) if block.options.is_async else _sync(block))


def guidebook_lines(block: Block, done: dict[Origin, str]) -> list[str]:
    """Before the first block of an import whose guidebook has a `validate:`: the check, run
    once, setting a variable when it succeeds (`done` maps each import checked so far to it)."""
    lines = []
    for depth, check in enumerate(block.guidebook_checks):
        if check.site in done:
            continue
        var = done[check.site] = f"__mdrun_done_{len(done) + 1}"
        outer = "".join(
            f'[ -z "${{{done[c.site]}:-}}" ] && ' for c in block.guidebook_checks[:depth]
        )
        what = f"`{_comment(check.command)}` succeeds (tested once, here)"
        lines += [
            f"# guidebook {_comment(check.guidebook)}: its blocks are skipped if {what}",
            f"{var}=",
            f"if {outer}{check.script}\nthen {var}=1; fi",
        ]
    return lines


def _unless_done(block: Block, done: dict[Origin, str]) -> Block:
    """`block` whose already-done check also looks at its guidebooks' variables."""
    tests = [f'[ -n "${{{done[c.site]}:-}}" ]' for c in block.guidebook_checks if c.site in done]
    if not tests:
        return block
    own = [] if block.done_check is None else [block.done_check]
    return block._replace(done_check="{ " + " || ".join([*tests, *own]) + "; }")


def environment_lines(env: Environment, show_secrets: bool) -> list[str]:
    """Exports for what the run is given beyond the process environment (`-e`, env files)."""
    lines = ["", "# The environment given to the run (beyond the process environment)."]
    for name in sorted(env):
        value = env[name]
        if value.source.kind == "process":
            continue
        if not (name.isascii() and name.isidentifier()):  # a shell name
            lines.append(f"# not a shell name, left out: {_comment(name)!r}")
        elif value.value is not None and (
            show_secrets or (not is_secret(name) and not url_passwords(value.value))
        ):
            lines.append(
                f"export {name}={shlex.quote(value.value)}  # {_comment(str(value.source))}"
            )
        else:
            why = "redacted by mdrun" if value.value is not None else "unknown when planning"
            lines.append(f': "${{{name}:?{name} must be set in the environment ({why})}}"')
            lines.append(f"export {name}")
    return lines


def render_sh(plan: Plan, show_secrets: bool = False, grace: int = DEFAULT_GRACE) -> str:
    """The plan as a bash script (see the module docstring and the script's own header).

    Refused, as `mdrun run` refuses, when a URL import was not fetched: the script would run
    without it."""
    for unfetched in plan.runbook.document.unfetched:
        where = unfetched.origin
        raise IncludeError(
            f"URL imports need --allow-url: {unfetched.url} (--format sh writes a script to run)",
            where[-1] if where else None,
            where[:-1],
        )
    # Every value inserted into the prelude is a number or a comment (see `_comment`).
    prelude = (
        templates()
        .get_template("prelude.sh.j2")
        .render(
            runbook=_comment(plan.runbook.path),
            tally={"blocks": len(plan.blocks), **counts(plan)},
            grace=grace,
            show_secrets=show_secrets,
            exit_trap=exit_trap_source(),
        )
    )
    scrub = scrubber(plan, show_secrets)
    lines = environment_lines(plan.initial_env, show_secrets) + variable_lines(plan, show_secrets)
    done: dict[Origin, str] = {}
    for planned in plan.blocks:
        shown = planned.verdict.kind != "skip" or not planned.chosen
        checks = guidebook_lines(planned.block, done) if shown else []
        script = block_lines(planned._replace(block=_unless_done(planned.block, done)), scrub)
        lines += [*script[:3], *checks, *in_cases(planned.block, plan, script[3:])]
    lines += ["", "exit 0", ""]
    return prelude + "\n".join(lines)
