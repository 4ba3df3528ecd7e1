"""The report's Helpful / Wrong actions in Teams: real Bot Framework activities, signed by the
channel's keys, through botbuilder and the AWS handlers; each person's verdict kept once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from handlers import aws_runtime, aws_teams, aws_worker
from shared.adapters.aws.dynamodb_prompts import DynamoDbFeedbackStore
from shared.identity.models import OrgId
from shared.prompts.models import Verdict
from tests.fakes.bot_framework import BotFrameworkKeys, bot_framework_keys, configure_teams
from tests.fakes.http_capture import CaptureServer, capture_server
from tests.support.aws import queued_record
from tests.support.handlers import adaptive_cards, post_teams
from tests.support.payloads import LambdaContext, channel_activity

ORG = OrgId("teams:REDACTED")


@pytest.fixture
def teams_service() -> Iterator[CaptureServer]:
    """Stands in for the Bot Connector service at the activity's serviceUrl."""
    with capture_server({"id": "reply-1"}) as server:
        yield server


@pytest.fixture
def keys(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[BotFrameworkKeys]:
    """The AWS deployment with Teams on, its channel's keys on loopback."""
    monkeypatch.setenv("AUTOSRE_ORG_ADMINS", "teams:REDACTED:REDACTED")
    with bot_framework_keys() as served:
        configure_teams(monkeypatch, served)
        aws_runtime.settings.cache_clear()
        aws_runtime.services.cache_clear()
        aws_teams.teams.cache_clear()
        yield served
        aws_teams.teams.cache_clear()


def _post(keys: BotFrameworkKeys, service_url: str, n: int, **fields: Any) -> None:
    """An activity in thread 1 of channel "pay", signed as the Bot Connector signs it."""
    activity = channel_activity(service_url, "pay", "1", n, **fields)
    headers = {
        "content-type": "application/json",
        "authorization": keys.token(activity["serviceUrl"]),
    }
    assert post_teams(json.dumps(activity), headers)["statusCode"] == 200


def _report_card(keys: BotFrameworkKeys, aws: dict[str, str], server: CaptureServer) -> Any:
    """checkout-api (the sample) investigated from thread 1 of "pay": the report's card."""
    setup = [
        "team create payments",
        "team bind --team payments",
        "team member add REDACTED --role operator --team payments",
        "service register checkout-api --sample checkout --team payments",
        "investigate checkout-api",
    ]
    for n, text in enumerate(setup):
        _post(keys, server.url, n, text=f"<at>Custom Agent</at> {text}")
    record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
    assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}
    return next(c for c in adaptive_cards(server) if "cause-first v1" in json.dumps(c))


def test_wrong_with_what_was_wrong_is_kept_once_and_helpful_afterwards_changes_nothing(
    keys: BotFrameworkKeys, aws: dict[str, str], teams_service: CaptureServer
) -> None:
    # GIVEN the report's card, its narrative signed by the control variant
    card = _report_card(keys, aws, teams_service)
    helpful = next(a for a in card["actions"] if a["title"] == "Helpful")
    wrong = next(a for a in card["actions"] if a["title"] == "Wrong")
    (box,) = wrong["card"]["body"]
    assert box["label"] == "What was wrong? (optional)"
    (send,) = wrong["card"]["actions"]
    # WHEN the operator says Wrong, typing what was wrong, then presses Helpful
    teams_service.requests.clear()
    _post(keys, teams_service.url, 20, text=None, value={**send["data"], box["id"]: "not v42"})
    _post(keys, teams_service.url, 21, text=None, value=helpful["data"])
    # THEN the first is thanked and the second told the first stands
    said = [json.dumps(c, ensure_ascii=False) for c in adaptive_cards(teams_service)]
    assert "was wrong" in said[0]
    assert "Recorded for cause-first v1 · " in said[0]
    assert "You already said this narrative was wrong" in said[1]
    # AND one verdict is kept, with what was wrong and the variant
    (kept,) = DynamoDbFeedbackStore(table=aws["AUTOSRE_TABLE"]).list_for(ORG)
    assert (kept.verdict, kept.comment) == (Verdict.WRONG, "not v42")
    assert kept.narrated_by.startswith("cause-first v1 · ")
