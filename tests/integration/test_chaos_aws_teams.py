"""Chaos on the AWS deployment through Teams: an experiment started in a channel thread, run by
the worker on moto's FIS, halted by the Halt action of its card (a real Bot Framework activity,
signed by the channel's keys, through botbuilder)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from handlers import aws_runtime, aws_teams, aws_worker
from shared.adapters.aws.dynamodb_chaos import DynamoDbChaosStore
from shared.chaos.models import ExperimentState
from shared.identity.models import OrgId
from tests.fakes.bot_framework import BotFrameworkKeys, bot_framework_keys, configure_teams
from tests.fakes.http_capture import CaptureServer, capture_server
from tests.support.aws import queued_record
from tests.support.chaos_aws import GUARD, START, fis_deployment, injections, running, status
from tests.support.handlers import adaptive_cards, post_teams
from tests.support.payloads import LambdaContext, channel_activity

CHANNEL = quote("19:pay@thread.tacv2", safe="")


@pytest.fixture
def teams_service() -> Iterator[CaptureServer]:
    """Stands in for the Bot Connector service at the activity's serviceUrl."""
    with capture_server({"id": "reply-1"}) as server:
        yield server


@pytest.fixture
def keys(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[BotFrameworkKeys]:
    """The AWS deployment with FIS configured and Teams on, its channel's keys on loopback."""
    monkeypatch.setenv("AUTOSRE_ORG_ADMINS", "teams:REDACTED:REDACTED")
    with bot_framework_keys() as served, fis_deployment(monkeypatch):
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


def _work(aws: dict[str, str]) -> None:
    record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
    assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}


def test_the_halt_action_of_an_experiments_card_is_answered_at_once_and_stops_fis(
    keys: BotFrameworkKeys, aws: dict[str, str], teams_service: CaptureServer
) -> None:
    url = teams_service.url
    # GIVEN payments bound from thread 1 of "pay", its sender an operator, checkout-api guarded
    setup = [
        "team create payments",
        "team bind --team payments",
        "team member add REDACTED --role operator --team payments",
        "service register checkout-api --aws-lambda checkout-fn --team payments",
        GUARD,
    ]
    for n, text in enumerate(setup):
        _post(keys, url, n, text=f"<at>Custom Agent</at> {text}")
    # AND an experiment started there, run by the worker: its card at the channel's root
    _post(keys, url, 10, text=f"<at>Custom Agent</at> {START}")
    _work(aws)
    (handle,) = injections()
    running(handle)
    (posted,) = [
        r for r in teams_service.requests if r.path == f"/v3/conversations/{CHANNEL}/activities"
    ]
    (card,) = [a["content"] for a in posted.body["attachments"]]
    halt = next(a for a in card["actions"] if a["title"] == "Halt")
    # WHEN the operator presses Halt on that card
    teams_service.requests.clear()
    _post(keys, url, 11, text=None, value=halt["data"])
    # THEN they are answered at once, and FIS is untouched until the worker runs it
    assert "Working on" in adaptive_cards(teams_service)[0]["body"][0]["text"]
    assert status(handle) == "running"
    _work(aws)
    assert status(handle) == "stopping"  # StopExperiment called
    store = DynamoDbChaosStore(table=aws["AUTOSRE_TABLE"])
    (halted,) = store.list_for(OrgId("teams:REDACTED"), "payments")
    assert halted.state is ExperimentState.ROLLING_BACK
    assert "halted by" in halted.reason
    # AND the experiment's card is replaced in place, saying so
    replaced = [r for r in teams_service.requests if r.method == "PUT"]
    assert replaced[-1].path == f"/v3/conversations/{CHANNEL}/activities/reply-1"
    assert "halted by" in json.dumps(replaced[-1].body["attachments"])
