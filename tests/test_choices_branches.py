"""A block's choice path against the answers: chosen, not chosen, open; and `${choice}`."""

from __future__ import annotations

from mdrun.choices.branches import Branch, branch, choice_value
from mdrun.model import Answer, ChoiceGroup

JQ = ChoiceGroup("util/jq", "madwizard/apriori/platform", "Install jq", ("Darwin", "Linux"))
FORM = ChoiceGroup("res", "CPUs####GPUs", "Resources", ("CPUs", "GPUs"), "form", ("1", "0"))
RUNS = ChoiceGroup("runs", "expand(x)", "Ray Runs", ("expand(x)", "New"), "dynamic", command="x")
GROUPS = {g.id: g for g in (JQ, FORM, RUNS)}


def test_unanswered_is_open_and_names_the_question() -> None:
    assert branch((("util/jq", "Linux"),), GROUPS, {}) == Branch("open", 'depends on "Install jq"')


def test_the_chosen_tab_runs_and_the_others_do_not() -> None:
    answers = {"util/jq": Answer("util/jq", "Linux", "apriori")}
    assert branch((("util/jq", "Linux"),), GROUPS, answers) == Branch(
        "chosen", '"Install jq" is Linux'
    )
    assert branch((("util/jq", "Darwin"),), GROUPS, answers) == Branch(
        "not chosen", '"Install jq" is Linux, not Darwin'
    )
    assert branch((), GROUPS, {}) == Branch("chosen", "")


def test_choice_is_the_tab_title_the_field_value_or_the_chosen_line() -> None:
    assert choice_value((("util/jq", "Linux"),), GROUPS, {}) == "Linux"
    form = {"res": Answer("res", "", "prompt", fields=(("CPUs", "4"), ("GPUs", "0")))}
    assert choice_value((("res", "CPUs"),), GROUPS, form) == "4"
    assert branch((("res", "GPUs"),), GROUPS, form).kind == "chosen"
    runs = {"runs": Answer("runs", "raysubmit_1 RUNNING", "prompt")}
    assert choice_value((("runs", "expand(x)"),), GROUPS, runs) == "raysubmit_1 RUNNING"
    assert branch((("runs", "expand(x)"),), GROUPS, runs).kind == "chosen"
    assert branch((("runs", "New"),), GROUPS, runs).kind == "not chosen"
    assert choice_value((("runs", "expand(x)"),), GROUPS, {}) is None
