"""A warm Slack function answers `/sre` with the JSON bolt would send, rendered once per equal
reply: the same bytes and headers as `ack(**message(reply))`, never another request's `ref`."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities import jmespath_utils
from slack_bolt import Ack

from bots.slack.render import message, message_json
from handlers import aws_runtime, aws_slack
from shared.replies import Button, Reply, Tone, user_ref
from tests.fakes.http_capture import CaptureServer
from tests.support.handlers import post_slack
from tests.support.payloads import (
    LambdaContext,
    http_api_event,
    signed_headers,
    slash_command_body,
)

REPLIES = [
    Reply(tone=Tone.INFO, title="Commands", text="`sre help`\nline · two", ephemeral=True),
    Reply(
        tone=Tone.OK,
        title="Added @U0ALICE to payments",
        text="<b> & ünïcode",
        fields=[("Team", "payments"), ("Role", "member")],
        buttons=[Button(label="Undo", command="team member remove U0ALICE", style="danger")],
        receipt="audit #12",
        refs=(user_ref("U0ALICE"),),
        correlation_id="c0ffee",
    ),
    Reply(tone=Tone.USAGE, title="Unknown command", text="Try `sre help`", correlation_id="r1"),
]


def test_the_encoded_answer_is_what_bolts_ack_sends_for_the_message() -> None:
    for reply in REPLIES:
        expected, sent = Ack(), Ack()
        expected(**message(reply))
        sent(message_json(reply))
        assert expected.response is not None
        assert sent.response is not None
        assert sent.response.body == expected.response.body
        assert sent.response.headers == expected.response.headers
        assert sent.response.status == expected.response.status == 200


def test_an_equal_reply_is_encoded_once_and_a_failed_one_names_its_own_ref() -> None:
    first = REPLIES[0]
    again = first.model_copy(update={"correlation_id": "another-request"})
    assert message_json(again) is message_json(first)
    changed = first.model_copy(update={"text": "`sre help`\nline · three"})
    assert "three" in message_json(changed)
    assert "two" not in message_json(changed)
    audited = REPLIES[1]
    assert "audit #13" in message_json(audited.model_copy(update={"receipt": "audit #13"}))
    assert "audit #12" in message_json(audited)
    failed = REPLIES[2]
    other = failed.model_copy(update={"correlation_id": "r2"})
    assert "ref r1" in message_json(failed)
    assert "ref r2" in message_json(other)
    assert "ref r1" not in message_json(other)


def test_warm_requests_get_the_same_help_and_each_error_its_own_ref(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    answers = []
    for _ in range(2):
        body = slash_command_body("help")
        response = post_slack(body, signed_headers(body))
        assert response["statusCode"] == 200
        assert response["headers"]["content-type"] == "application/json;charset=utf-8"
        answers.append(response["body"])
    assert answers[0] == answers[1]
    assert "sre team member add USER" in answers[0]
    refs = []
    for _ in range(2):
        body = slash_command_body("frobnicate the thing")
        answer = json.loads(post_slack(body, signed_headers(body))["body"])
        context = [block for block in answer["blocks"] if block["type"] == "context"]
        refs.append(context[-1]["elements"][0]["text"])
    assert all("ref " in ref for ref in refs)
    assert refs[0] != refs[1]


class _Lines(logging.Handler):
    """The Slack function's log lines as Powertools writes them (JSON with its appended keys)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(aws_slack.logger.registered_formatter.format(record)))


def test_each_requests_log_lines_carry_its_own_api_gateway_request_id(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)  # the handler logs a refusal
    aws_runtime.settings.cache_clear()
    lines, written = _Lines(), logging.getLogger(aws_slack.logger.name)  # Powertools' own
    written.addHandler(lines)
    try:
        for request_id in ("req-one", "req-two"):
            body = slash_command_body("help")
            event = http_api_event(body, signed_headers(body), "/slack/events")
            event["requestContext"]["requestId"] = request_id
            assert aws_slack.handler(event, LambdaContext())["statusCode"] == 401
    finally:
        written.removeHandler(lines)
        aws_runtime.settings.cache_clear()
    refused = [line for line in lines.lines if "SLACK_SIGNING_SECRET" in line["message"]]
    assert [line["correlation_id"] for line in refused] == ["req-one", "req-two"]


@pytest.mark.parametrize(
    "event",
    [
        {"requestContext": {"requestId": "req-one", "http": {"method": "POST"}}},
        {"requestContext": {"requestId": 7}},
        {"requestContext": {}},
        {"requestContext": None},
        {"requestContext": "req"},
        {},
    ],
)
def test_the_correlation_id_is_what_powertools_api_gateway_path_reads(
    event: dict[str, Any],
) -> None:
    # read without a JMESPath query on every request, it must stay what the path names
    expected = jmespath_utils.query(envelope=correlation_paths.API_GATEWAY_HTTP, data=event)
    assert aws_slack._request_id(event) == expected
