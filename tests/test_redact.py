"""Secret names and their redaction for display."""

from __future__ import annotations

import pytest

from mdrun.model import EnvValue
from mdrun.redact import REDACTED, is_secret, redact_env, redact_mapping, redact_value


@pytest.mark.parametrize(
    "name",
    ["GITHUB_TOKEN", "aws_secret_access_key", "DB_PASSWORD", "PASSWD", "GCP_CREDENTIALS",
     "API_KEY", "Key", "ssh_keyfile", "my_Token_2"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "NUM_GPUS", "JOB_ID", "TOKE", "PASS", "KE_Y"])
def test_ordinary_names(name: str) -> None:
    assert not is_secret(name)


def test_redact_env_keeps_source_and_certainty() -> None:
    env = {
        "API_TOKEN": EnvValue("abc", "-e", certain=False),
        "HOME": EnvValue("/h", "process environment"),
        "SECRET_X": EnvValue(None, 'block "b" at f.md:3'),
    }
    shown = redact_env(env)
    assert shown["API_TOKEN"] == EnvValue(REDACTED, "-e", certain=False)
    assert shown["HOME"] is env["HOME"]
    assert shown["SECRET_X"].value is None  # unknown stays unknown, not "***"
    assert env["API_TOKEN"].value == "abc"


def test_redact_mapping_and_value() -> None:
    assert redact_mapping({"PASSWORD": "p", "USER": "u"}) == {"PASSWORD": REDACTED, "USER": "u"}
    assert redact_value("MY_KEY", "v") == REDACTED
    assert redact_value("MY_NAME", "v") == "v"
