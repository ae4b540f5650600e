"""Planning: a `when=` condition that cannot work is an input error, not a silent skip.

At run time a broken condition (`[ -n "$X"` without its `]`, a misspelt command) fails, and a
failing condition skips its block: the typo would hide a step without a word. So before
anything runs, each condition must parse, each `[` must close, and each command it names must
be a builtin, an exported function, a path, or a command on the planned PATH. Nothing is
executed: the text is only parsed and split into words.
"""

from __future__ import annotations

import re
import shlex
import shutil

from mdrun.errors import BlockError
from mdrun.model import Block, Environment
from mdrun.shell.parse import ShellSyntaxError, parse
from mdrun.shell.scan import NAME_PATTERN

_BUILTINS = frozenset(
    [
        ".",
        ":",
        "[",
        "alias",
        "bg",
        "bind",
        "break",
        "builtin",
        "caller",
        "cd",
        "command",
        "compgen",
        "complete",
        "compopt",
        "continue",
        "declare",
        "dirs",
        "disown",
        "echo",
        "enable",
        "eval",
        "exec",
        "exit",
        "export",
        "false",
        "fc",
        "fg",
        "getopts",
        "hash",
        "help",
        "history",
        "jobs",
        "kill",
        "let",
        "local",
        "logout",
        "mapfile",
        "popd",
        "printf",
        "pushd",
        "pwd",
        "read",
        "readarray",
        "readonly",
        "return",
        "set",
        "shift",
        "shopt",
        "source",
        "suspend",
        "test",
        "times",
        "trap",
        "true",
        "type",
        "typeset",
        "ulimit",
        "umask",
        "unalias",
        "unset",
        "wait",
    ]
)
_PREFIXES = frozenset({"!", "time"})
_ASSIGNMENT = re.compile(rf"{NAME_PATTERN}(?:\[[^]]*\])?\+?=")
_COMPOUND = frozenset(
    [
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "while",
        "until",
        "do",
        "done",
        "case",
        "esac",
        "for",
        "select",
        "function",
        "{",
        "}",
    ]
)
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "|&", "(", ")", ";;"})


def check_when(block: Block, env: Environment) -> None:
    """Raise `BlockError` at the fence when the block's `when=` cannot be evaluated."""
    condition = block.options.when
    if condition is None:
        return
    problem = _problem(condition, env)
    if problem is not None:
        location = block.origin[-1] if block.origin else None
        raise BlockError(f"when={condition!r}: {problem}", location, block.origin[:-1])


def _problem(condition: str, env: Environment) -> str | None:
    try:
        parse(condition)
        lexer = shlex.shlex(condition, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
    except (ShellSyntaxError, ValueError) as exc:
        return f"not a shell condition ({exc})"
    if any(w in _COMPOUND for w in words) or "()" in condition:
        return None  # compound commands and functions: bash decides at run time
    for command in _commands(words):
        problem = _command_problem(command, env)
        if problem is not None:
            return problem
    return None


def _commands(words: list[str]) -> list[list[str]]:
    """Simple commands, split at `&&`, `||`, `;`, `|` and parentheses; `[[ … ]]` left out."""
    commands: list[list[str]] = [[]]
    in_test = redirect = False
    for word in words:
        if in_test:
            in_test = word != "]]"
        elif redirect:
            redirect = False  # the redirection's target
        elif word == "[[":
            in_test = True
        elif word in _SEPARATORS:
            commands.append([])
        elif not word.strip("<>&|") and ("<" in word or ">" in word):
            redirect = True
            if commands[-1] and commands[-1][-1].isdigit():
                commands[-1].pop()  # the fd of `2>/dev/null`
        else:
            commands[-1].append(word)
    return [c for c in commands if c]


def _command_problem(command: list[str], env: Environment) -> str | None:
    while command and (_ASSIGNMENT.match(command[0]) or command[0] in _PREFIXES):
        command = command[1:]  # assignments before the command, `!`, `command`...
    if not command:
        return None
    name = command[0]
    if name == "[":
        return None if command[-1] == "]" else "'[' without its closing ']'"
    if name in _BUILTINS or "/" in name or any(c in name for c in "$`*?~"):
        return None
    if f"BASH_FUNC_{name}%%" in env:
        return None
    path = env.get("PATH")
    if shutil.which(name, path=path.value if path and path.value is not None else None):
        return None
    return f"{name!r} is not a bash builtin, an exported function, or a command on PATH"
