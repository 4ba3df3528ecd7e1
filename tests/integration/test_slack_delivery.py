"""Deferred results and modal answers where the bot is not a member (a channel it was never added
to, a direct message): the real SlackNotifier against a loopback Web API, and the worker on moto."""

from __future__ import annotations

import copy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

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
from tests.support.handlers import post_slack
from tests.support.payloads import (
    LambdaContext,
    http_api_event,
    load,
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


def test_without_a_response_url_a_result_for_a_user_is_told_to_them_directly() -> None:
    # GIVEN a command answered in a modal (no response URL) whose channel refuses the bot
    answers: dict[str, Any] = {
        "chat.postMessage": [
            {"ok": False, "error": "not_in_channel"},
            {"ok": True, "ts": "1700000000.000300", "channel": "D0W111"},
        ]
    }
    with capture_server(by_path=answers) as slack:
        target = ReplyTarget(platform=Platform.SLACK, channel="C111", thread="1.2")
        # WHEN its deferred result (an escalation, say) is posted for W111
        placed = _notifier(slack).post(target, REPORT, user="W111")
    # THEN W111 gets it directly, told why and how to add the bot
    assert placed is None
    assert [p.body["channel"] for p in slack.calls("chat.postMessage")] == ["C111", "W111"]
    told = json.dumps(slack.calls("chat.postMessage")[-1].body["blocks"])
    assert "Doctor: all checks pass" in told
    assert "/invite @Auto SRE" in told


def test_an_answer_for_its_user_only_where_the_bot_is_not_goes_to_them_directly() -> None:
    # GIVEN a channel that refuses the bot's ephemeral messages, and no response URL (a modal's)
    answers: dict[str, Any] = {
        "chat.postEphemeral": {"ok": False, "error": "not_in_channel"},
        "chat.postMessage": {"ok": True, "ts": "1700000000.000400", "channel": "D0W111"},
    }
    with capture_server(by_path=answers) as slack:
        target = ReplyTarget(platform=Platform.SLACK, channel="C111", thread="1.2")
        private = REPORT.model_copy(update={"ephemeral": True})
        # WHEN a reply only W111 may see is posted
        placed = _notifier(slack).post(target, private, user="W111")
    # THEN it reaches W111 directly: not raised (the task would be retried until dead-lettered)
    assert placed is None
    (direct,) = slack.calls("chat.postMessage")
    assert direct.body["channel"] == "W111"
    assert "/invite @Auto SRE" in json.dumps(direct.body["blocks"])


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


REFUSED_IN_CHANNEL: dict[str, Any] = {
    "chat.postMessage": [
        {"ok": False, "error": "not_in_channel"},  # the report, in C111
        {"ok": False, "error": "not_in_channel"},  # the modal's answer, in C111
        {"ok": True, "ts": "1700000000.000200", "channel": "D0W111"},  # to W111 directly
    ]
}
"""A Web API whose `chat.postMessage` refuses channel C111 (the bot is not in it) and reaches the
app's direct messages with W111."""


def _reported_in(slack: CaptureServer, aws: dict[str, str]) -> dict[str, Any]:
    """The sample service investigated in C111 by W111 (an operator of its team), its report
    posted through the command's response URL: the report's buttons."""
    hook = f"{slack.url}commands/T111/1/report"
    for n, command in enumerate(
        [
            "team create payments",
            "team bind C111 --team payments",
            "team member add W111 --role operator --team payments",
            "service register checkout-api --sample checkout",
            "investigate checkout-api",
        ]
    ):
        body = slash_command_body(command, trigger_id=f"report-{n}", response_url=hook)
        assert post_slack(body, signed_headers(body))["statusCode"] == 200
    record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
    assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}
    (report,) = slack.calls("commands/T111/1/report")
    actions: dict[str, Any] = next(b for b in report.body["blocks"] if b["type"] == "actions")
    return actions


def _answered(slack: CaptureServer, button: dict[str, Any], typed: str) -> dict[str, Any]:
    """Click the prompting `button` on a message in C111, then answer its modal with `typed`;
    the Slack function's response to the answer."""
    click = copy.deepcopy(load("slack/block_actions_payload.json"))
    click["actions"][0].update(action_id=button["action_id"], value=button["value"])
    click["message"] = {"ts": "1700000000.000100"}
    body = "payload=" + quote(json.dumps(click))
    assert post_slack(body, signed_headers(body))["statusCode"] == 200
    (opened,) = slack.calls("views.open")
    view = opened.body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    submission = {
        "type": "view_submission",
        "team": click["team"],
        "user": click["user"],
        "api_app_id": "A111",
        "token": "verification_token",
        "trigger_id": "333.444.valid",
        "view": {
            "id": "V0MODAL",
            "hash": "1700000000.def",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {
                "values": {"answer": {"answer": {"type": "plain_text_input", "value": typed}}}
            },
        },
    }
    body = "payload=" + quote(json.dumps(submission))
    answered: dict[str, Any] = post_slack(body, signed_headers(body))
    return answered


def test_a_modal_answer_the_channel_refuses_takes_effect_and_its_user_is_told_directly(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a report posted through the command's response URL into C111, where the bot is not
    with capture_server(by_path=REFUSED_IN_CHANNEL) as slack:
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        aws_runtime.settings.cache_clear()
        aws_runtime.services.cache_clear()
        aws_slack.slack.cache_clear()
        actions = _reported_in(slack, aws)
        # WHEN W111 clicks its Comment button and sends the modal
        comment = next(e for e in actions["elements"] if e["text"]["text"] == "Comment")
        response = _answered(slack, comment, "rolled back the deploy")
        (inv,) = re.findall(r"inv-[0-9a-f]+", comment["value"])
        shown = slash_command_body(f"investigation show {inv}", trigger_id="show-1")
        timeline = post_slack(shown, signed_headers(shown))["body"]
    # THEN the modal closes without "something went wrong"
    assert response["statusCode"] == 200
    assert not response.get("body"), response
    # AND the comment took effect: it is on the investigation's timeline
    assert "rolled back the deploy" in timeline
    # AND W111 got the answer directly, told why and how to add the bot to the channel
    posts = slack.calls("chat.postMessage")
    assert [p.body["channel"] for p in posts] == ["C111", "C111", "W111"]
    told = json.dumps(posts[-1].body["blocks"])
    assert f"Comment added to {inv}" in told
    assert "I could not post this in <#C111>" in told
    assert "/invite @Auto SRE" in told


def test_a_modal_answer_refused_everywhere_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a Web API that refuses every post (the channel's, and the user's direct messages)
    answers: dict[str, Any] = {"chat.postMessage": {"ok": False, "error": "channel_not_found"}}
    with capture_server(by_path=answers) as slack:
        target = ReplyTarget(platform=Platform.SLACK, channel="C111", thread="1.2")
        # WHEN a modal's answer is posted
        _notifier(slack).answer(target, REPORT, user="W111")
    # THEN both were tried, and the second refusal is in the log
    assert [p.body["channel"] for p in slack.calls("chat.postMessage")] == ["C111", "W111"]
    assert "could not tell W111 directly either: channel_not_found" in caplog.text
