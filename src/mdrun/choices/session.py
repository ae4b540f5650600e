"""The calls a command makes: `known_answers` for plan and for the start of a run (asks no one,
runs nothing: unanswered questions stay open, dynamic ones show their command); `ask_one` for one
question on a terminal, which a run (`choices.lazy`) calls as it reaches the blocks it governs;
`ask` for every reached question at once, in document order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from mdrun.choices import profiles
from mdrun.choices.answers import Assertion, resolve, unmatched
from mdrun.choices.aprioris import Host
from mdrun.choices.dynamic import Runner, answers_of
from mdrun.choices.pending import encode_picks, pending
from mdrun.errors import UsageError
from mdrun.model import Answer, ChoiceGroup, Question

if TYPE_CHECKING:  # the terminal modules load only when a run prompts
    from mdrun.choices.prompt import Prompter


def ask_one(
    group: ChoiceGroup, prompter: Prompter, env: Mapping[str, str], runner: Runner | None
) -> Answer:
    """Ask one question; a dynamic one runs its command first (so `runner` is needed)."""
    shown = group.id not in (group.name, group.key)  # a path-like id says where; a key is noise
    title = f"{group.name} ({group.id})" if shown else group.name
    if group.kind == "form":
        fields = tuple(
            (field, prompter.text(f"{group.name}: {field}", default))
            for field, default in zip(group.options, group.defaults, strict=False)
        )
        return Answer(group.id, "", "prompt", "asked", fields)
    if group.kind == "multi":
        chosen = [group.options[i] for i in prompter.multiselect(title, group.options)]
        return Answer(group.id, encode_picks(group, chosen), "prompt", "asked")
    options = group.options
    if group.kind == "dynamic":
        if runner is None:
            raise UsageError(
                f"{group.name}: its answers come from a command, which is not run here"
            )
        options = answers_of(group, env, runner)
    return Answer(group.id, options[prompter.select(title, options)], "prompt", "asked")


def ask(
    asked: Sequence[Question],
    answers: Mapping[str, Answer],
    prompter: Prompter,
    env: Mapping[str, str],
    runner: Runner | None = None,
) -> dict[str, Answer]:
    """Ask every reached, unanswered question in document order (answers may reach more)."""
    known = dict(answers)
    while waiting := pending(asked, known):
        group = waiting[0].group
        known[group.id] = ask_one(group, prompter, env, runner)
    return known


def known_answers(
    asked: Sequence[Question],
    given: Sequence[Assertion] = (),
    env: Mapping[str, str] | None = None,
    profile: str | None = None,
    host: Host | None = None,
) -> dict[str, Answer]:
    """Every answer known without asking anyone, by question id.

    From `--choose` (`given`), the environment, the saved `profile` and this `host` (None: no
    aprioris). A `--choose` naming no question is an error (exit 2).
    """
    env = {} if env is None else env
    groups = list({q.group.id: q.group for q in asked}.values())
    if stray := unmatched(given, groups):
        names = "; ".join(f'"{g.name}" ({g.id})' for g in groups) or "none"
        raise UsageError(
            f"{stray[0].flag} names no question of this guidebook; its questions: {names}"
        )
    saved = profiles.load(profile, env) if profile else None
    return resolve(groups, given, env, saved.choices if saved else None, host, profile or "")
