"""Alert policies on the AWS deployment (moto): created in Slack, evaluated by the `alerts`
function each minute, told through the fake Slack Web API (firing grouped, escalation, resolved
updated in place)."""

from __future__ import annotations

import json
from typing import Any

from handlers import aws_worker
from tests.fakes.http_capture import CaptureServer
from tests.support.aws import queued_record
from tests.support.handlers import alerts_tick, slash
from tests.support.payloads import LambdaContext


def _text(payload: dict[str, Any]) -> str:
    return json.dumps(payload.get("blocks", []))


def test_alerts_fire_grouped_escalate_and_resolve_in_place_in_slack(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN payments (channel C111) with the sample service and two alerts; dba on channel C222
    for n, text in enumerate(
        [
            "team create payments",
            "team create dba",
            "team bind C111 --team payments",
            "team bind C222 --team dba",
            "team member add W111 --role operator --team payments",
            "service register checkout-api --sample checkout --team payments",
            'alert create slow --service checkout-api --when "p99_latency > 800ms" '
            "--escalate-after 1m --escalate-to dba --team payments",
            'alert create errors --service checkout-api --when "error_rate > 2%" --team payments',
        ]
    ):
        answer = slash(text, f"setup-{n}")
        assert "Not allowed" not in _text(answer), text
    # WHEN the alerts function runs (and its event is delivered twice)
    first = alerts_tick("tick-1", 0)
    assert first["fields"]["Fired"] == "errors, slow"
    assert alerts_tick("tick-1", 0) == first  # a redelivered event is not evaluated again
    # THEN one message in C111 names both alerts
    posts = slack_api.told("chat.postMessage")
    assert [p.body["channel"] for p in posts] == ["C111"]
    assert "FIRING checkout-api: errors, slow" in _text(posts[0].body)
    assert '"action_id": "sre:0"' in _text(posts[0].body)  # Acknowledge
    # AND a minute later, nobody having acknowledged it, the page is escalated to C222
    alerts_tick("tick-2", 1)
    posts = slack_api.told("chat.postMessage")
    assert [p.body["channel"] for p in posts] == ["C111", "C222"]
    assert "Escalated: checkout-api alert slow of team payments" in _text(posts[1].body)
    # WHEN the conditions stop holding and the function runs again
    for n, text in enumerate(
        [
            'alert edit slow --when "p99_latency > 5s" --team payments',
            'alert edit errors --when "error_rate > 50%" --team payments',
        ]
    ):
        slash(text, f"edit-{n}")
    second = alerts_tick("tick-3", 2)
    assert second["fields"]["Resolved"] == "errors, slow"
    # THEN the firing message is updated in place, not posted again
    (update,) = slack_api.calls("chat.update")
    assert update.body["channel"] == "C111"
    assert update.body["ts"] == "1700000000.000100"
    assert "RESOLVED checkout-api: errors, slow" in _text(update.body)
    assert len(slack_api.told("chat.postMessage")) == 2


def test_alert_test_in_slack_explains_m_of_n_and_shows_its_chart_in_the_message(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN payments (channel C111) with the sample service and an alert of 3 of 5 points
    for n, text in enumerate(
        [
            "team create payments",
            "team bind C111 --team payments",
            "team member add W111 --role operator --team payments",
            "service register checkout-api --sample checkout --team payments",
            'alert create errors --service checkout-api --when "error_rate > 2% 3 of 5" '
            "--team payments",
        ]
    ):
        assert "Not allowed" not in _text(slash(text, f"setup-{n}")), text
    # WHEN someone tests it in Slack and the worker runs the test
    slash("alert test errors --team payments", "test-1")
    record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
    assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}
    # THEN the result says in words how many points breach, with the error rate in percent
    (post,) = slack_api.told("chat.postMessage")
    said = _text(post.body)
    assert "5 of the last 5 points breach `error_rate &gt; 2%` (it takes 3 of 5)" in said, said
    assert "Error rate now " in said and "score" not in said
    # AND its chart is uploaded (shared nowhere) and shown in the message as an image block
    (upload,) = slack_api.calls("upload/F1")
    assert upload.raw.startswith(b"\x89PNG")
    (image,) = [b for b in post.body["blocks"] if b["type"] == "image"]
    assert image["slack_file"] == {"id": "F1"}
    assert image["title"]["text"] == "errors on checkout-api: error rate (%), last 1h"
