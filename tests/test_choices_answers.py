"""Answers: `--choose` parsing and matching, precedence, reachability and the exit-2 message."""

from __future__ import annotations

import pytest

from mdrun.choices.answers import match_option, parse_choose, resolve
from mdrun.choices.aprioris import Host
from mdrun.choices.pending import UnansweredError, pending, require_answers
from mdrun.choices.session import known_answers
from mdrun.errors import UsageError
from mdrun.model import Answer, ChoiceGroup, Question

JQ = ChoiceGroup("util/jq", "madwizard/apriori/platform", "Install jq", ("Darwin", "Linux"))
CLUSTER = ChoiceGroup(
    "ml/ray/start", "Local####Kubernetes", "Where Ray runs", ("Local", "Kubernetes")
)
CONTEXT = ChoiceGroup("kubernetes/context", "X", "Kubernetes context", ("dev", "prod"))
FORM = ChoiceGroup(
    "ray/resources", "CPUs####GPUs", "Resources", ("CPUs", "GPUs"), "form", ("1", "0")
)
RUNS = ChoiceGroup(
    "ml/ray/run/choose",
    "expand(curl jobs, Ray Runs, JOB_ID)",
    "Choose a Ray Run",
    ("expand(curl jobs, Ray Runs, JOB_ID)",),
    "dynamic",
    (None,),
    command="curl jobs",
    env_key="JOB_ID",
    message="Ray Runs",
)
LINUX = Host(platform="linux", arch="x64", has_brew=False, num_gpus=None)


def test_choose_splits_at_the_first_equals_sign() -> None:
    assert parse_choose("a=b=c")[:2] == ("a", "b=c")
    assert parse_choose("Install jq=Linux", "--assert").flag == "--assert 'Install jq=Linux'"
    for bad in ("novalue", "=x"):
        with pytest.raises(UsageError, match="NAME=ANSWER"):
            parse_choose(bad)


def test_answers_match_exactly_then_in_any_case_then_as_madwizards_regex() -> None:
    options = ["11111aaaa", "11111bbbb", "222222"]
    assert match_option("222222", options) == "222222"
    assert match_option("LINUX", ["Linux", "Darwin"]) == "Linux"
    assert match_option(".*1a.*", options) == "11111aaaa"
    assert match_option("1111.*", options) is None  # two tabs match: not an answer
    assert match_option("[", options) is None


@pytest.mark.parametrize("name", ["util/jq", "madwizard/apriori/platform", "install JQ"])
def test_a_question_is_named_by_id_key_or_readable_name(name: str) -> None:
    answers = resolve([JQ], [parse_choose(f"{name}=darwin")])
    assert answers["util/jq"] == Answer("util/jq", "Darwin", "flag", f"--choose '{name}=darwin'")


def test_a_flag_beats_the_profile_which_beats_this_machine() -> None:
    profile = {"util/jq": "Darwin", "ml/ray/start": "Kubernetes"}
    answers = resolve([JQ, CLUSTER], [parse_choose("ml/ray/start=local")], {}, profile, LINUX, "p")
    assert answers["ml/ray/start"].source == "flag"
    assert (answers["util/jq"].value, answers["util/jq"].source) == ("Darwin", "profile")
    assert resolve([JQ], host=LINUX)["util/jq"][1:3] == ("Linux", "apriori")
    assert resolve([JQ]) == {}  # no host: no aprioris


def test_a_wrong_answer_names_the_answers_there_are() -> None:
    with pytest.raises(UsageError, match="has no answer 'BeOS'; 'Darwin', 'Linux'"):
        resolve([JQ], [parse_choose("util/jq=BeOS")])


def test_a_dynamic_question_is_answered_by_its_environment_variable() -> None:
    answers = resolve([RUNS], env={"JOB_ID": "raysubmit_1"}, profile={"ml/ray/run/choose": "x"})
    assert answers["ml/ray/run/choose"] == Answer(
        "ml/ray/run/choose", "raysubmit_1", "environment", "$JOB_ID"
    )
    assert "ml/ray/run/choose" not in resolve([RUNS], env={})


def test_a_form_takes_each_field_or_madwizards_json_object() -> None:
    given = [parse_choose("CPUs=4"), parse_choose("GPUs=1")]
    assert resolve([FORM], given)["ray/resources"].fields == (("CPUs", "4"), ("GPUs", "1"))
    assert "ray/resources" not in resolve([FORM], given[:1])  # one field is not the form
    profile = {"ray/resources": '{"CPUs": 4, "GPUs": 3}'}
    assert resolve([FORM], profile=profile)["ray/resources"].fields == (
        ("CPUs", "4"),
        ("GPUs", "3"),
    )


def _asked() -> list[Question]:
    return [
        Question(CLUSTER, (), 0),
        Question(CONTEXT, (("ml/ray/start", "Kubernetes"),), 5),
        Question(JQ, (), 20),
    ]


def test_a_nested_question_waits_for_its_parent_and_is_skipped_under_another_tab() -> None:
    asked = _asked()
    assert [q.group.id for q in pending(asked, {})] == ["ml/ray/start", "util/jq"]
    local = {"ml/ray/start": Answer("ml/ray/start", "Local", "flag")}
    assert [q.group.id for q in pending(asked, local)] == ["util/jq"]
    k8s = {"ml/ray/start": Answer("ml/ray/start", "Kubernetes", "flag")}
    assert [q.group.id for q in pending(asked, k8s)] == ["kubernetes/context", "util/jq"]


def test_without_a_terminal_the_message_names_each_question_and_the_flag_to_pass() -> None:
    with pytest.raises(UnansweredError) as caught:
        require_answers([*_asked(), Question(RUNS, (), 30), Question(FORM, (), 40)], {})
    message = str(caught.value)
    assert caught.value.exit_code == 2
    assert message.startswith("4 questions have no answer")
    assert '"Where Ray runs" (ml/ray/start): one of Local, Kubernetes' in message
    assert "--choose ml/ray/start=Local" in message
    assert "Ray Runs: the lines `curl jobs` prints (or $JOB_ID when set)" in message
    assert "or set JOB_ID" in message
    assert "--choose CPUs=1 --choose GPUs=0" in message
    assert "kubernetes/context" not in message  # waits for its parent


def test_a_flag_that_names_no_question_is_refused() -> None:
    with pytest.raises(UsageError, match="names no question of this guidebook"):
        known_answers(_asked(), [parse_choose("nope=1")])


def test_plan_takes_the_known_answers_and_leaves_the_rest_open() -> None:
    from mdrun.choices.session import known_answers

    answers = known_answers(_asked(), [parse_choose("Where Ray runs=Kubernetes")])
    assert list(answers) == ["ml/ray/start"]
    assert [q.group.id for q in pending(_asked(), answers)] == ["kubernetes/context", "util/jq"]


TOOLS = ChoiceGroup("util/tools", "jq####yq####fzf", "Pick tools", ("jq", "yq", "fzf"), "multi")


def test_a_multi_select_takes_madwizards_json_list_or_repeated_flags_in_tab_order() -> None:
    given = [parse_choose('util/tools=["fzf","JQ"]')]
    assert resolve([TOOLS], given)["util/tools"].value == '["jq","fzf"]'
    repeated = [parse_choose("Pick tools=fzf"), parse_choose("pick tools=y.")]
    answer = resolve([TOOLS], repeated)["util/tools"]
    assert (answer.value, answer.source) == ('["yq","fzf"]', "flag")
    with pytest.raises(UsageError, match="'Pick tools' has no answer 'bat'"):
        resolve([TOOLS], [parse_choose('Pick tools=["jq","bat"]')])


def test_a_profiles_multi_select_is_replayed_only_while_every_tab_it_names_exists() -> None:
    kept = resolve([TOOLS], profile={"util/tools": '["fzf","jq"]'}, profile_name="p")
    assert kept["util/tools"][1:3] == ('["jq","fzf"]', "profile")
    assert resolve([TOOLS], profile={"util/tools": '["jq","bat"]'}, profile_name="p") == {}


def test_a_multi_select_runs_each_tab_picked_and_its_message_shows_a_list() -> None:
    from mdrun.choices.pending import chose

    answer = Answer("util/tools", '["jq","fzf"]', "prompt")
    assert [o for o in TOOLS.options if chose(TOOLS, answer, o)] == ["jq", "fzf"]
    asked = [Question(TOOLS, (), 0)]
    with pytest.raises(UnansweredError) as caught:
        require_answers(asked, {})
    assert "one or more of jq, yq, fzf" in str(caught.value)
    assert """--choose 'util/tools=["jq","yq"]'""" in str(caught.value)
