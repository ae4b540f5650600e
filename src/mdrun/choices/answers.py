"""Answers from `--choose`, the environment, a profile and this machine, first that answers wins.

`--choose NAME=ANSWER` (madwizard's `--assert` is the same) names a question by its id
(madwizard's key, `kubernetes/kubectl`), its group key (`Linux####MacOS`), its readable name
(`Install kubectl`, any case) or, for a form, one field's title. An answer names a tab exactly,
in any case, or as madwizard also allows, as a case-insensitive regular expression matching the
whole name (`.*1a.*`). A dynamic question's answers are only known when its command runs, so a
value given for one is taken as it is.

Precedence: a flag, then the question's environment variable (dynamic questions), then the
profile, then this machine (aprioris). madwizard lets a saved profile beat the environment;
mdrun takes a variable set now as the newer intent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from mdrun.choices.aprioris import Host, host_answer
from mdrun.choices.dynamic import from_environment
from mdrun.choices.pending import encode_picks, picks
from mdrun.errors import UsageError
from mdrun.model import Answer, ChoiceGroup


class Assertion(NamedTuple):
    """One `--choose NAME=ANSWER` as given."""

    name: str
    """The question (id, key, readable name or form field)."""
    value: str
    """The answer."""
    flag: str
    """The flag as written, for messages: `--choose 'kubectl=Linux'`."""


def parse_choose(text: str, flag: str = "--choose") -> Assertion:
    """`NAME=ANSWER` → Assertion; the answer may itself hold `=`. Exit 2 on a bad one."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"{flag} expects NAME=ANSWER, got {text!r}")
    return Assertion(name.strip(), value, f"{flag} {text!r}")


def match_option(value: str, options: Sequence[str]) -> str | None:
    """The tab `value` names: exactly, in any case, or as madwizard's whole-name regex."""
    if value in options:
        return value
    folded = [o for o in options if o.casefold() == value.casefold()]
    if folded:
        return folded[0]
    try:
        pattern = re.compile(value, re.IGNORECASE)
    except re.error:
        return None
    hits = [o for o in options if pattern.fullmatch(o)]
    return hits[0] if len(hits) == 1 else None


def names_question(name: str, group: ChoiceGroup) -> bool:
    """Whether `--choose NAME=…` means this question."""
    if name in (group.id, group.key) or name.casefold() == group.name.casefold():
        return True
    return group.kind == "form" and any(name.casefold() == o.casefold() for o in group.options)


def _flag_answer(group: ChoiceGroup, given: Sequence[Assertion]) -> Answer | None:
    mine = [a for a in given if names_question(a.name, group)]
    if not mine:
        return None
    if group.kind == "form":
        return _form_answer(group, mine)
    if group.kind == "multi":
        return _multi_answer(group, mine)
    last = mine[-1]
    if group.kind == "dynamic":
        return Answer(group.id, last.value, "flag", last.flag)
    option = match_option(last.value, group.options)
    if option is None:
        offered = ", ".join(repr(o) for o in group.options)
        raise UsageError(f"{last.flag}: {group.name!r} has no answer {last.value!r}; {offered}")
    return Answer(group.id, option, "flag", last.flag)


def _multi_answer(group: ChoiceGroup, mine: Sequence[Assertion]) -> Answer:
    """Several tabs: each flag names one (or madwizard's JSON list of them); repeats add up."""
    found: list[str] = []
    for assertion in mine:
        for name in picks(assertion.value):
            option = match_option(name, group.options)
            if option is None:
                offered = ", ".join(repr(o) for o in group.options)
                raise UsageError(
                    f"{assertion.flag}: {group.name!r} has no answer {name!r}; {offered}"
                )
            found.append(option)
    flags = "; ".join(a.flag for a in mine)
    return Answer(group.id, encode_picks(group, found), "flag", flags)


def _form_answer(group: ChoiceGroup, mine: Sequence[Assertion]) -> Answer | None:
    values: dict[str, str] = {}
    for assertion in mine:
        field = match_option(assertion.name, group.options)
        if field is not None:
            values[field] = assertion.value
        else:  # the form as a whole, madwizard's JSON object
            values.update(_form_fields(group, assertion.value))
    if not all(o in values for o in group.options):
        return None
    fields = tuple((o, values[o]) for o in group.options)
    return Answer(group.id, "", "flag", "; ".join(a.flag for a in mine), fields)


def _form_fields(group: ChoiceGroup, value: object) -> dict[str, str]:
    """A form's answers as madwizard stores them: a JSON object (or its text) of field: value."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    if not isinstance(value, dict):
        return {}
    found = {match_option(str(k), group.options): str(v) for k, v in value.items()}
    return {k: v for k, v in found.items() if k is not None}


def _profile_answer(group: ChoiceGroup, profile: Mapping[str, object], name: str) -> Answer | None:
    if group.id not in profile:
        return None
    stored = profile[group.id]
    detail = f"profile {name!r}"
    if group.kind == "form":
        fields = _form_fields(group, stored)
        if all(o in fields for o in group.options):
            return Answer(
                group.id, "", "profile", detail, tuple((o, fields[o]) for o in group.options)
            )
        return None
    if group.kind == "multi":
        # madwizard replays a multi-select only when every tab it names is still there.
        names = picks(stored)
        if not names or not all(n in group.options for n in names):
            return None
        return Answer(group.id, encode_picks(group, names), "profile", detail)
    if not isinstance(stored, str):
        return None
    if group.kind == "dynamic":
        return Answer(group.id, stored, "profile", detail)
    option = match_option(stored, group.options)
    return Answer(group.id, option, "profile", detail) if option is not None else None


def _apriori_answer(group: ChoiceGroup, host: Host) -> Answer | None:
    fact = host_answer(group.key, host)
    option = match_option(fact, group.options) if fact is not None else None
    return Answer(group.id, option, "apriori", f"this machine: {fact}") if option else None


def resolve(
    groups: Iterable[ChoiceGroup],
    given: Sequence[Assertion] = (),
    env: Mapping[str, str] | None = None,
    profile: Mapping[str, object] | None = None,
    host: Host | None = None,
    profile_name: str = "",
) -> dict[str, Answer]:
    """Every answer known before asking anyone, by question id. `host=None`: no aprioris."""
    answers: dict[str, Answer] = {}
    for group in groups:
        answer = _flag_answer(group, given)
        if answer is None and group.kind == "dynamic" and env is not None:
            value = from_environment(group, env)
            if value is not None:
                answer = Answer(group.id, value, "environment", f"${group.env_key}")
        if answer is None and profile is not None:
            answer = _profile_answer(group, profile, profile_name)
        if answer is None and host is not None:
            answer = _apriori_answer(group, host)
        if answer is not None:
            answers[group.id] = answer
    return answers


def unmatched(given: Sequence[Assertion], groups: Sequence[ChoiceGroup]) -> list[Assertion]:
    """The `--choose` flags that name no question of this guidebook."""
    return [a for a in given if not any(names_question(a.name, g) for g in groups)]
