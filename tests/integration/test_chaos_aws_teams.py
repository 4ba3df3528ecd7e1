"""Chaos on the AWS deployment through Teams: an experiment started in a channel thread, run by
the worker on moto's FIS, halted by the Halt action of its card (a real Bot Framework activity,
signed by the channel's keys, through botbuilder)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from shared.adapters.aws.dynamodb_chaos import DynamoDbChaosStore
from shared.chaos.models import ExperimentState
from shared.identity.models import OrgId
from tests.fakes.bot_framework import BotFrameworkKeys
from tests.fakes.http_capture import CaptureServer, capture_server
from tests.support.chaos_aws import GUARD, START, fis_deployment, injections, running, status
from tests.support.handlers import adaptive_cards, work_queued
from tests.support.teams import post_in_thread, teams_on_aws

CHANNEL = quote("19:pay@thread.tacv2", safe="")


@pytest.fixture
def teams_service() -> Iterator[CaptureServer]:
    """Stands in for the Bot Connector service at the activity's serviceUrl."""
    with capture_server({"id": "reply-1"}) as server:
        yield server


@pytest.fixture
def keys(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[BotFrameworkKeys]:
    """The AWS deployment with FIS configured and Teams on, its channel's keys on loopback."""
    with fis_deployment(monkeypatch), teams_on_aws(monkeypatch) as served:
        yield served


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
        post_in_thread(keys, url, n, text=f"<at>Custom Agent</at> {text}")
    # AND an experiment started there, run by the worker: its card at the channel's root
    post_in_thread(keys, url, 10, text=f"<at>Custom Agent</at> {START}")
    work_queued(aws["AUTOSRE_TASK_QUEUE_URL"])
    (handle,) = injections()
    running(handle)
    (posted,) = [
        r for r in teams_service.requests if r.path == f"/v3/conversations/{CHANNEL}/activities"
    ]
    (card,) = [a["content"] for a in posted.body["attachments"]]
    halt = next(a for a in card["actions"] if a["title"] == "Halt")
    # WHEN the operator presses Halt on that card
    teams_service.requests.clear()
    post_in_thread(keys, url, 11, text=None, value=halt["data"])
    # THEN they are answered at once, and FIS is untouched until the worker runs it
    assert "Working on" in adaptive_cards(teams_service)[0]["body"][0]["text"]
    assert status(handle) == "running"
    work_queued(aws["AUTOSRE_TASK_QUEUE_URL"])
    assert status(handle) == "stopping"  # StopExperiment called
    store = DynamoDbChaosStore(table=aws["AUTOSRE_TABLE"])
    (halted,) = store.list_for(OrgId("teams:REDACTED"), "payments")
    assert halted.state is ExperimentState.ROLLING_BACK
    assert "halted by" in halted.reason
    # AND the experiment's card is replaced in place, saying so
    replaced = [r for r in teams_service.requests if r.method == "PUT"]
    assert replaced[-1].path == f"/v3/conversations/{CHANNEL}/activities/reply-1"
    assert "halted by" in json.dumps(replaced[-1].body["attachments"])
