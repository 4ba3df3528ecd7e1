"""Signed Slack requests through handlers.aws_slack.handler in API Gateway HTTP API events."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest
from slack_sdk.signature import SignatureVerifier

from handlers import aws_runtime, aws_slack, aws_worker
from shared.invocation import DeferredCommand
from tests.fakes.http_capture import CaptureServer, capture_server
from tests.support.aws import queued_record
from tests.support.handlers import post_slack, slash
from tests.support.payloads import (
    LambdaContext,
    app_mention_body,
    load,
    signed_headers,
    slash_command_body,
    text,
)


def _blocks_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload.get("blocks", []))


def test_a_signed_sre_help_gets_200_with_the_help(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    body = slash_command_body("help")
    response = post_slack(body, signed_headers(body))
    assert response["statusCode"] == 200
    assert slack_api.requests == []  # no auth.test or any other Web API call on a cold start
    answer = json.loads(response["body"])
    assert answer["response_type"] == "ephemeral"
    assert "sre team member add USER" in _blocks_text(answer)


def test_slacks_signing_example_verifies_at_its_own_time_and_is_stale_today(
    aws: dict[str, str],
) -> None:
    example = load("slack/signing_example.json")
    body = text("slack/signing_example_body.txt")
    then = example["clock_now_for_valid"]

    class ThenClock:
        def now(self) -> float:
            return float(then)

    verifier = SignatureVerifier(example["signing_secret"], clock=ThenClock())  # type: ignore[arg-type]
    assert verifier.is_valid(body, example["timestamp"], example["expected_signature"])
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": example["headers"]["X-Slack-Request-Timestamp"],
        "x-slack-signature": example["headers"]["X-Slack-Signature"],
    }
    assert post_slack(body, headers)["statusCode"] == 401


def test_a_wrong_signature_is_401(aws: dict[str, str]) -> None:
    body = slash_command_body("team create stolen")
    headers = signed_headers(body, secret="not-the-secret")
    assert post_slack(body, headers)["statusCode"] == 401


def test_a_stale_but_correctly_signed_request_is_401(aws: dict[str, str]) -> None:
    body = slash_command_body("help")
    assert (
        post_slack(body, signed_headers(body, timestamp=int(time.time()) - 600))["statusCode"]
        == 401
    )


def test_a_retried_event_delivery_runs_once(aws: dict[str, str], slack_api: CaptureServer) -> None:
    body = app_mention_body("team create payments", "Ev0001")
    first = post_slack(body, signed_headers(body, content_type="application/json"))
    retry_headers = {
        **signed_headers(body, content_type="application/json"),
        "x-slack-retry-num": "1",
        "x-slack-retry-reason": "http_timeout",
    }
    retry = post_slack(body, retry_headers)
    assert first["statusCode"] == retry["statusCode"] == 200
    posts = slack_api.calls("chat.postMessage")
    assert len(posts) == 1
    assert "Team payments created" in _blocks_text(posts[0].body)
    assert posts[0].body["thread_ts"] == "1700000000.000100"
    s3 = boto3.client("s3")
    keys = s3.list_objects_v2(Bucket=aws["AUTOSRE_AUDIT_BUCKET"], Prefix="audit/slack%3AT111/_org/")
    assert [obj["Key"][-17:] for obj in keys["Contents"]] == [
        "000000000001.json",
        "000000000002.json",
    ]


def test_a_deferred_command_goes_onto_sqs_and_the_worker_posts_its_result(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    body = slash_command_body("doctor")
    answer = json.loads(post_slack(body, signed_headers(body))["body"])
    assert "Working on" in _blocks_text(answer)
    record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
    task = DeferredCommand.model_validate_json(record["body"])
    assert task.command == "sre doctor"
    assert task.invocation.reply_to.response_url == parse_qs(body)["response_url"][0]

    result = aws_worker.handler({"Records": [record]}, LambdaContext())
    assert result == {"batchItemFailures": []}
    (post,) = slack_api.calls("chat.postMessage")
    assert post.body["channel"] == "C111"
    assert "Doctor: all checks pass" in _blocks_text(post.body)


def test_only_the_records_that_failed_go_back_to_the_queue(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    body = slash_command_body("doctor")
    post_slack(body, signed_headers(body))
    good = {**queued_record(aws["AUTOSRE_TASK_QUEUE_URL"]), "messageId": "good-1"}
    broken = {
        **load("aws/sqsEvent.json")["Records"][1],
        "body": "{not json",
        "messageId": "broken-2",
    }
    result = aws_worker.handler({"Records": [good, broken]}, LambdaContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "broken-2"}]}
    assert len(slack_api.calls("chat.postMessage")) == 1


def test_a_redelivered_task_is_neither_rerun_nor_posted_again(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    body = slash_command_body("doctor")
    post_slack(body, signed_headers(body))
    record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
    assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}
    # a rerun would now find the audit bucket gone and report a failed check
    boto3.client("s3").delete_bucket(Bucket=aws["AUTOSRE_AUDIT_BUCKET"])
    assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}
    (post,) = slack_api.calls("chat.postMessage")
    assert "Doctor: all checks pass" in _blocks_text(post.body)


def test_an_investigation_posts_its_report_and_uploads_its_chart_in_the_thread(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN a team whose channel C111 has the sample service
    for n, command in enumerate(
        [
            "team create payments",
            "team bind C111 --team payments",
            "team member add W111 --role operator --team payments",
            "service register checkout-api --sample checkout",
        ]
    ):
        body = slash_command_body(command, trigger_id=f"setup-{n}")
        assert post_slack(body, signed_headers(body))["statusCode"] == 200
    # WHEN someone investigates it and the worker runs
    body = slash_command_body("investigate checkout-api", trigger_id="inv-1")
    post_slack(body, signed_headers(body))
    assert aws_worker.handler(
        {"Records": [queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])]}, LambdaContext()
    ) == {"batchItemFailures": []}
    # THEN the report is posted, and the chart is uploaded (files_upload_v2) into its thread
    (post,) = slack_api.calls("chat.postMessage")
    assert "after deploy v42 of checkout-api" in _blocks_text(post.body)
    (ask,) = slack_api.calls("files.getUploadURLExternal")
    assert ask.body["filename"].endswith(".png")
    (upload,) = slack_api.calls("upload/F1")
    assert upload.raw.startswith(b"\x89PNG")
    (complete,) = slack_api.calls("files.completeUploadExternal")
    assert complete.body["channel_id"] == "C111"
    assert complete.body["thread_ts"] == "1700000000.000100"


def test_a_chart_slack_refuses_loses_the_chart_not_a_second_report(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a Slack that posts messages but refuses file uploads (rate limited)
    refusing = {"files.getUploadURLExternal": {"ok": False, "error": "ratelimited"}}
    with capture_server(by_path=refusing) as slack_api:
        monkeypatch.setenv("SLACK_API_URL", slack_api.url)
        for cached in (aws_runtime.settings, aws_runtime.services, aws_slack.slack):
            cached.cache_clear()
        for n, command in enumerate(
            [
                "team create payments",
                "team bind C111 --team payments",
                "team member add W111 --role operator --team payments",
                "service register checkout-api --sample checkout",
            ]
        ):
            body = slash_command_body(command, trigger_id=f"setup-{n}")
            assert post_slack(body, signed_headers(body))["statusCode"] == 200
        body = slash_command_body("investigate checkout-api", trigger_id="inv-1")
        post_slack(body, signed_headers(body))
        # WHEN the worker runs the investigation
        record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
        done = aws_worker.handler({"Records": [record]}, LambdaContext())
        # THEN its task succeeds (SQS does not deliver it again) with the report posted once
        assert done == {"batchItemFailures": []}
        (post,) = slack_api.calls("chat.postMessage")
        assert "after deploy v42 of checkout-api" in _blocks_text(post.body)
        assert slack_api.calls("files.getUploadURLExternal")  # it was tried


def _delivery_records(table: str) -> list[dict[str, Any]]:
    """The run-once guard's records (Powertools idempotency) in the deployment's table."""
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return [item for item in items if "expiration" in item]


def test_a_slash_command_that_changes_nothing_writes_no_delivery_record_a_mention_does(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN a signed `/sre whoami` (Slack never delivers a slash command twice)
    body = slash_command_body("whoami", trigger_id="9.111.whoami")
    answered = post_slack(body, signed_headers(body))
    # THEN it is answered, and the run-once guard wrote nothing for it (no DynamoDB write)
    assert "Who you are" in answered["body"]
    assert _delivery_records(aws["AUTOSRE_TABLE"]) == []
    # WHEN the same asks in a mention, then Slack retries that event
    mention = app_mention_body("whoami", "Ev0002")
    for retry in ({}, {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}):
        headers = {**signed_headers(mention, content_type="application/json"), **retry}
        assert post_slack(mention, headers)["statusCode"] == 200
    # THEN it is answered once in the thread: the event's delivery is guarded
    assert len(slack_api.calls("chat.postMessage")) == 1
    assert len(_delivery_records(aws["AUTOSRE_TABLE"])) == 1
    # AND a slash command that changes something is still guarded
    create = slash_command_body("team create payments", trigger_id="9.111.create")
    post_slack(create, signed_headers(create))
    assert len(_delivery_records(aws["AUTOSRE_TABLE"])) == 2


def test_a_mention_answered_for_its_asker_only_is_posted_ephemerally(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN C111 bound to payments, and W111 an admin of search too
    for command in (
        "team create payments",
        "team create search",
        "team bind C111 --team payments",
        "team member add W111 --role admin --team search",
    ):
        slash(command)
    # WHEN W111 mentions the app in C111 asking for search's services
    body = app_mention_body("service list --team search", "Ev-foreign-1")
    assert (
        post_slack(body, signed_headers(body, content_type="application/json"))["statusCode"] == 200
    )
    # THEN the answer is W111's alone, in the mention's thread; nothing public in C111
    assert slack_api.calls("chat.postMessage") == []
    (private,) = slack_api.calls("chat.postEphemeral")
    assert (private.body["channel"], private.body["user"]) == ("C111", "W111")
    assert private.body["thread_ts"] == "1700000000.000100"
    assert "bound to team payments" in _blocks_text(private.body)
