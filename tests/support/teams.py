"""Teams on the AWS deployment in tests: the channel's signing keys on loopback and activities
signed as the Bot Connector signs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from handlers import aws_runtime
from tests.fakes.bot_framework import BotFrameworkKeys, bot_framework_keys, configure_teams
from tests.support.handlers import post_teams
from tests.support.payloads import channel_activity

TEAMS_ORG_ADMIN = "teams:REDACTED:REDACTED"
"""The sender of the recorded channel activities, made org admin."""


@contextmanager
def teams_on_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[BotFrameworkKeys]:
    """The AWS deployment (already set up by the `aws` fixture) with Teams on and the sender of
    the recorded activities an org admin; the channel's keys served on loopback."""
    from handlers import aws_teams  # only the tests of Teams pay for its import

    monkeypatch.setenv("AUTOSRE_ORG_ADMINS", TEAMS_ORG_ADMIN)
    with bot_framework_keys() as served:
        configure_teams(monkeypatch, served)
        aws_runtime.settings.cache_clear()
        aws_runtime.services.cache_clear()
        aws_teams.teams.cache_clear()
        try:
            yield served
        finally:
            aws_teams.teams.cache_clear()


def post_in_thread(keys: BotFrameworkKeys, service_url: str, n: int, **fields: Any) -> None:
    """Activity `n` in thread 1 of channel "pay", signed as the Bot Connector signs it; accepted."""
    activity = channel_activity(service_url, "pay", "1", n, **fields)
    headers = {
        "content-type": "application/json",
        "authorization": keys.token(activity["serviceUrl"]),
    }
    assert post_teams(json.dumps(activity), headers)["statusCode"] == 200
