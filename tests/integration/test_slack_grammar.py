"""The grammar as a Slack user meets it, through bolt with signed requests on the AWS handler:
free text without quotes, a typo answered with one command's usage, refusals in plain words."""

from __future__ import annotations

import json
import re

from tests.support.handlers import slash


def test_a_description_typed_without_quotes_in_slack_is_kept_whole(aws: dict[str, str]) -> None:
    answer = slash("team create payments --description Payments and billing, don't page us")
    assert answer["response_type"] == "in_channel", answer
    shown = json.dumps(slash("team show payments")["blocks"])
    assert "Payments and billing, don't page us" in shown


def test_a_typo_in_slack_gets_one_command_s_usage(aws: dict[str, str]) -> None:
    answer = slash("investigat checkout-api")
    text = json.dumps(answer["blocks"])
    assert answer["response_type"] == "ephemeral"
    assert "Did you mean `sre investigate checkout-api`?" in text
    assert "sre investigation open SERVICE" in text
    assert "sre audit verify" not in text  # not the whole help


def test_a_refusal_in_slack_says_what_is_allowed_not_a_pattern(aws: dict[str, str]) -> None:
    answer = slash("team member add 'bad user!' --role boss")
    text = json.dumps(answer["blocks"])
    assert answer["response_type"] == "ephemeral"
    assert "`bad user!` is not a valid user, e.g. `" in text
    assert "use viewer, responder, operator or admin" in text
    assert not re.search(r"should match|pattern|\^@\?|\[A-Za-z", text), text
