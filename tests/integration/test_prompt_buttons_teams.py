"""The report's Helpful / Wrong actions in Teams: real Bot Framework activities, signed by the
channel's keys, through botbuilder and the AWS handlers; each person's verdict kept once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from shared.adapters.aws.dynamodb_prompts import DynamoDbFeedbackStore
from shared.identity.models import OrgId
from shared.prompts.models import Verdict
from tests.fakes.bot_framework import BotFrameworkKeys
from tests.fakes.http_capture import CaptureServer, capture_server
from tests.support.handlers import adaptive_cards, work_queued
from tests.support.teams import post_in_thread, teams_on_aws

ORG = OrgId("teams:REDACTED")


@pytest.fixture
def teams_service() -> Iterator[CaptureServer]:
    """Stands in for the Bot Connector service at the activity's serviceUrl."""
    with capture_server({"id": "reply-1"}) as server:
        yield server


@pytest.fixture
def keys(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[BotFrameworkKeys]:
    """The AWS deployment with Teams on, its channel's keys on loopback."""
    with teams_on_aws(monkeypatch) as served:
        yield served


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
        post_in_thread(keys, server.url, n, text=f"<at>Custom Agent</at> {text}")
    work_queued(aws["AUTOSRE_TASK_QUEUE_URL"])
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
    post_in_thread(
        keys, teams_service.url, 20, text=None, value={**send["data"], box["id"]: "not v42"}
    )
    post_in_thread(keys, teams_service.url, 21, text=None, value=helpful["data"])
    # THEN the first is thanked and the second told the first stands
    said = [json.dumps(c, ensure_ascii=False) for c in adaptive_cards(teams_service)]
    assert "was wrong" in said[0]
    assert "Recorded for cause-first v1 · " in said[0]
    assert "you already said this narrative was wrong" in said[1]
    # AND one verdict is kept, with what was wrong and the variant
    (kept,) = DynamoDbFeedbackStore(table=aws["AUTOSRE_TABLE"]).list_for(ORG)
    assert (kept.verdict, kept.comment) == (Verdict.WRONG, "not v42")
    assert kept.narrated_by.startswith("cause-first v1 · ")
