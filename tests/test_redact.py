"""Secret names and their redaction for display."""

from __future__ import annotations

import pytest

from mdrun.redact import REDACTED, is_secret, scrub, secret_values


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


def test_secret_values_are_the_long_values_of_secret_names_longest_first() -> None:
    found = secret_values(
        [("API_TOKEN", "abcd"), ("DB_PASSWORD", "abcdefgh"), ("HOME", "/home/me"),
         ("SHORT_KEY", "x1"), ("UNKNOWN_SECRET", None)]
    )  # fmt: skip
    assert found == ("abcdefgh", "abcd")


def test_scrub_hides_a_value_containing_another_whole() -> None:
    text = "login abcdefgh then abcd"
    assert scrub(text, secret_values([("A_TOKEN", "abcd"), ("B_TOKEN", "abcdefgh")])) == (
        f"login {REDACTED} then {REDACTED}"
    )


def test_url_passwords_are_hidden_by_value_whatever_the_name() -> None:
    secrets = secret_values([("DATABASE_URL", "postgres://u:hunter2@h/db"), ("HOME", "/h")])
    assert secrets == ("hunter2",)
    assert scrub("connect postgres://u:hunter2@h/db; pw hunter2", secrets) == (
        f"connect postgres://u:{REDACTED}@h/db; pw {REDACTED}"
    )
    # A URL nobody declared is hidden too; one without a password is left alone.
    assert scrub("redis://:pw1@r:6379 and https://user@host/x", ()) == (
        f"redis://:{REDACTED}@r:6379 and https://user@host/x"
    )
