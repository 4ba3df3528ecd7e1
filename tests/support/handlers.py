"""Requests and events through the AWS handlers, as API Gateway and EventBridge deliver them; the
worker deployed as versions of the investigator."""

from __future__ import annotations

import copy
import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handlers import aws_scheduler, aws_slack, aws_worker
from shared.canary import replay as replay_module
from shared.telemetry.models import Signal
from tests.fakes.http_capture import CaptureServer
from tests.support.aws import queued_record
from tests.support.payloads import (
    LambdaContext,
    http_api_event,
    load,
    signed_headers,
    slash_command_body,
)

_TRIGGERS = itertools.count(1000)


def post_slack(body: str, headers: dict[str, str]) -> dict[str, Any]:
    """POST `body` with `headers` to the Slack function's `/slack/events`; its HTTP response."""
    response: dict[str, Any] = aws_slack.handler(
        http_api_event(body, headers, "/slack/events"), LambdaContext()
    )
    return response


def post_teams(body: str, headers: dict[str, str]) -> dict[str, Any]:
    """POST `body` with `headers` to the Teams function's `/api/messages`; its HTTP response."""
    from handlers import aws_teams  # only the tests of Teams pay for its import

    response: dict[str, Any] = aws_teams.handler(
        http_api_event(body, headers, "/api/messages"), LambdaContext()
    )
    return response


def adaptive_cards(server: CaptureServer) -> list[dict[str, Any]]:
    """The Adaptive Cards of every activity sent to the Bot Connector standing at `server`."""
    return [
        attachment["content"]
        for request in server.requests
        for attachment in request.body.get("attachments", [])
        if attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    ]


def slash(text: str, trigger: str | None = None, **fields: str) -> dict[str, Any]:
    """A correctly signed `/sre <text>` (bolt's recorded body with `fields`), answered 200; the
    answer's JSON. Every real slash command has its own trigger_id: one is made unless given."""
    trigger_id = trigger if trigger is not None else f"{next(_TRIGGERS)}.111.xxx"
    body = slash_command_body(text, trigger_id=trigger_id, **fields)
    response = post_slack(body, signed_headers(body))
    assert response["statusCode"] == 200, response
    answer: dict[str, Any] = json.loads(response["body"])
    return answer


def alerts_tick(event_id: str, minute: int) -> dict[str, Any]:
    """The alerts function on the schedule's event for `minute` minutes from now (the sample's
    incident is current); its result."""
    event = copy.deepcopy(load("aws/eventBridgeSchedulerEvent.json"))
    at = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=minute)
    event.update(id=event_id, time=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    result: dict[str, Any] = aws_scheduler.alerts(event, LambdaContext())
    return result


def work_queued(queue_url: str) -> None:
    """The worker function on the task queue's one message, every record of it done."""
    record = queued_record(queue_url)
    assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}


def this_version(event: dict[str, Any]) -> Any:
    """The worker function as deployed from this code."""
    return aws_worker.handler(event, LambdaContext())


def blind_version(event: dict[str, Any]) -> Any:
    """The worker function of a release whose investigator no longer reads saturation (this
    code's handler, with that one change, as such a release would be built)."""
    seeing = replay_module.investigate
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            replay_module,
            "investigate",
            lambda scenario: seeing(scenario, ignore=frozenset({Signal.SATURATION})),
        )
        return this_version(event)
