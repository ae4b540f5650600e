"""Profiles: kept under the config directory, written atomically, listed, cleared, imported."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from mdrun.choices import profiles
from mdrun.choices.answers import resolve
from mdrun.errors import UsageError
from mdrun.model import Answer, ChoiceGroup


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}


def test_answers_are_saved_merged_and_read_back(env: dict[str, str]) -> None:
    path = profiles.save("work", [Answer("util/jq", "Linux", "prompt")], env)
    assert path == os.path.join(env["XDG_CONFIG_HOME"], "mdrun", "profiles", "work.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    form = Answer("ray/resources", "", "flag", fields=(("CPUs", "4"),))
    profiles.save("work", [form, Answer("madwizard/apriori/arch", "X64", "apriori")], env)
    loaded = profiles.load("work", env)
    assert loaded is not None
    assert dict(loaded.choices) == {"util/jq": "Linux", "ray/resources": {"CPUs": "4"}}
    assert os.listdir(os.path.dirname(path)) == ["work.json"]  # no temporaries


def test_profiles_are_listed_and_cleared(env: dict[str, str]) -> None:
    assert profiles.names(env) == []
    for name in ("b", "a"):
        profiles.save(name, [], env)
    assert profiles.names(env) == ["a", "b"]
    assert profiles.clear("a", env) is True
    assert profiles.clear("a", env) is False
    assert profiles.names(env) == ["b"]


def test_a_bad_name_or_a_broken_file_is_a_usage_error(env: dict[str, str]) -> None:
    with pytest.raises(UsageError, match="profile name"):
        profiles.save("../escape", [], env)
    path = Path(profiles.profiles_dir(env)) / "broken.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(UsageError, match="not a profile"):
        profiles.load("broken", env)


def test_a_madwizard_profile_imports_from_its_own_directory(env: dict[str, str]) -> None:
    folder = Path(env["XDG_DATA_HOME"]) / "madwizard-nodejs" / "profiles"
    folder.mkdir(parents=True)
    # madwizard's shape: ms timestamps, choices by groupContext, a form as an object
    madwizard = {
        "name": "default",
        "creationTime": 1664557656912,
        "lastModifiedTime": 1678810407433,
        "lastUsedTime": 1678810803953,
        "choices": {"util/jq": "Linux", "ray/resources": {"CPUs": 2, "GPUs": 1}},
    }
    (folder / "default").write_text(json.dumps(madwizard))
    assert profiles.madwizard_dir(env) == str(folder)
    assert profiles.import_madwizard("default", env=env) == "default"
    loaded = profiles.load("default", env)
    assert loaded is not None and loaded.created == 1664557656912
    form = ChoiceGroup("ray/resources", "k", "R", ("CPUs", "GPUs"), "form", ("1", "0"))
    jq = ChoiceGroup("util/jq", "madwizard/apriori/platform", "jq", ("Darwin", "Linux"))
    answers = resolve([form, jq], profile=loaded.choices, profile_name="default")
    assert answers["ray/resources"].fields == (("CPUs", "2"), ("GPUs", "1"))
    assert answers["util/jq"][1:3] == ("Linux", "profile")


def test_mwprofiles_path_and_an_unsafe_madwizard_name(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "elsewhere" / "profile.json"
    source.parent.mkdir()
    record = {"name": "profile.json", "creationTime": 1, "lastModifiedTime": 2, "choices": {}}
    source.write_text(json.dumps(record))
    assert profiles.madwizard_dir({**env, "MWPROFILES_PATH": "/x"}) == "/x"
    assert profiles.import_madwizard(str(source), env=env) == "profile"


def test_the_profile_command_lists_shows_clears_and_imports(
    env: dict[str, str], tmp_path: Path
) -> None:
    import io

    from mdrun.choices.profilecmd import profile_command

    profiles.save("p", [Answer("util/jq", "Linux", "prompt")], env)
    out = io.StringIO()
    assert profile_command("list", None, out, env=env) == 0
    assert out.getvalue().startswith("p\t1 answers\tchanged ")
    out = io.StringIO()
    profile_command("show", "p", out, env=env)
    assert out.getvalue() == "util/jq = Linux\n"
    source = tmp_path / "mw"
    source.write_text(
        json.dumps({"name": "x", "creationTime": 1, "lastModifiedTime": 1, "choices": {}})
    )
    profile_command("import", "q", io.StringIO(), source=str(source), env=env)
    assert profiles.names(env) == ["p", "q"]
    assert profile_command("clear", "p", io.StringIO(), env=env) == 0
    with pytest.raises(UsageError, match="no profile named 'p'"):
        profile_command("clear", "p", io.StringIO(), env=env)
