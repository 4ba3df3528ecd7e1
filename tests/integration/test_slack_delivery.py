"""Deferred results where the bot is not a member (a channel it was never added to, a direct
message): the real SlackNotifier against a loopback Web API, and the worker on moto."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from slack_sdk import WebClient

from bots.slack.notifier import SlackNotifier
from handlers import aws_runtime, aws_slack, aws_worker
from shared.errors import UnavailableError
from shared.identity.models import Platform
from shared.invocation import ReplyTarget
from shared.replies import Reply, Tone
from tests.fakes.http_capture import CaptureServer, capture_server
from tests.support.aws import queued_record
from tests.support.payloads import (
    LambdaContext,
    http_api_event,
    signed_headers,
    slash_command_body,
)

REPORT = Reply(tone=Tone.OK, title="Doctor: all checks pass", fields=[("State store", "✓")])


def _notifier(server: CaptureServer) -> SlackNotifier:
    return SlackNotifier(WebClient(token="xoxb-test", base_url=server.url))


@pytest.mark.parametrize("refusal", ["not_in_channel", "channel_not_found"])
def test_where_the_bot_is_not_a_member_the_result_goes_to_the_response_url(
    refusal: str,
) -> None:
    # GIVEN a Web API that refuses posts in the command's channel (or direct message)
    answers: dict[str, dict[str, Any]] = {"chat.postMessage": {"ok": False, "error": refusal}}
    with capture_server(by_path=answers) as slack:
        target = ReplyTarget(
            platform=Platform.SLACK, channel="D024BE91L", response_url=f"{slack.url}hooks/T1/1/x"
        )
        # WHEN the deferred result is posted
        placed = _notifier(slack).post(target, REPORT, user="U1")
    # THEN it arrives through the response URL, visible where the command was typed, with how
    # to add the bot
    assert placed is None
    (hook,) = slack.calls("hooks/T1/1/x")
    assert hook.body["response_type"] == "in_channel"
    shown = json.dumps(hook.body["blocks"])
    assert "Doctor: all checks pass" in shown
    assert "/invite @Auto SRE" in shown


def test_without_a_response_url_the_refusal_is_raised() -> None:
    answers: dict[str, dict[str, Any]] = {
        "chat.postMessage": {"ok": False, "error": "not_in_channel"}
    }
    with capture_server(by_path=answers) as slack:
        target = ReplyTarget(platform=Platform.SLACK, channel="C-alerts")
        with pytest.raises(Exception, match="not_in_channel"):
            _notifier(slack).post(target, REPORT)


class _Expired(BaseHTTPRequestHandler):
    """Slack's answer to a response URL used five times or older than 30 minutes."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(404)
        self.send_header("Content-Length", "11")
        self.end_headers()
        self.wfile.write(b"expired_url")

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_an_expired_response_url_is_a_failure_not_a_silent_loss() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Expired)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/commands/T1/1/x"
        target = ReplyTarget(platform=Platform.SLACK, response_url=url)
        with pytest.raises(UnavailableError, match="404 expired_url"):
            SlackNotifier(WebClient(token="xoxb-test")).post(target, REPORT)
    finally:
        server.shutdown()
        server.server_close()


def test_a_command_in_a_channel_without_the_bot_gets_its_result_once(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a deployment whose Slack Web API refuses posts in C111 (the bot is not in it)
    answers: dict[str, dict[str, Any]] = {
        "chat.postMessage": {"ok": False, "error": "not_in_channel"}
    }
    with capture_server(by_path=answers) as slack:
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        aws_runtime.settings.cache_clear()
        aws_runtime.services.cache_clear()
        body = slash_command_body("doctor", response_url=f"{slack.url}commands/T111/1/hook")
        event = http_api_event(body, signed_headers(body), "/slack/events")
        assert aws_slack.handler(event, LambdaContext())["statusCode"] == 200
        record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
        # WHEN the worker runs the task, and SQS delivers the same message again
        first = aws_worker.handler({"Records": [record]}, LambdaContext())
        again = aws_worker.handler({"Records": [record]}, LambdaContext())
    # THEN the result reached the channel once, through the response URL, and nothing is retried
    assert first == again == {"batchItemFailures": []}
    (hook,) = slack.calls("commands/T111/1/hook")
    assert "Doctor: all checks pass" in json.dumps(hook.body["blocks"])
    assert "/invite @Auto SRE" in json.dumps(hook.body["blocks"])
    assert len(slack.calls("chat.postMessage")) == 1


def test_a_task_whose_post_failed_is_posted_by_its_next_delivery(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a Web API that fails the first post and accepts the next
    answers: dict[str, list[dict[str, Any]]] = {
        "chat.postMessage": [{"ok": False, "error": "fatal_error"}, {"ok": True, "ts": "1.2"}]
    }
    with capture_server(by_path=answers) as slack:
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        aws_runtime.settings.cache_clear()
        aws_runtime.services.cache_clear()
        body = slash_command_body("doctor")
        event = http_api_event(body, signed_headers(body), "/slack/events")
        assert aws_slack.handler(event, LambdaContext())["statusCode"] == 200
        record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
        # WHEN the worker fails to post, and SQS delivers the message again
        with pytest.raises(BatchProcessingError):  # the whole batch failed: back to the queue
            aws_worker.handler({"Records": [record]}, LambdaContext())
        again = aws_worker.handler({"Records": [record]}, LambdaContext())
    # THEN the second delivery posts the result
    assert again == {"batchItemFailures": []}
    refused, posted = slack.calls("chat.postMessage")
    assert refused.body["blocks"] == posted.body["blocks"]
    assert "Doctor: all checks pass" in json.dumps(posted.body["blocks"])
