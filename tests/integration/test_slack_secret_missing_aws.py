"""A Slack signing secret whose SSM parameter was never stored leaves Slack off, never open: a
request signed with the empty key (which anyone can compute) changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import time

import boto3
import pytest

from handlers import aws_runtime, aws_slack
from shared.bootstrap.aws import resolve_secrets as resolved_by_the_deployment
from shared.config import Settings
from tests.support.handlers import post_slack
from tests.support.payloads import SIGNING_SECRET, signed_headers, slash_command_body


def _signed_with_the_empty_key(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(b"", f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": f"v0={digest}",
    }


def test_a_missing_signing_secret_parameter_lets_no_forged_command_through(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN the Slack function deployed with the default reference, but nothing stored there
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "ssm:/autosre/slack/signing-secret")
    aws_runtime.settings.cache_clear()
    aws_slack.slack.cache_clear()
    # WHEN a command signed with the empty key arrives
    body = slash_command_body("team create forged")
    response = post_slack(body, _signed_with_the_empty_key(body))
    # THEN nothing was done or audited, and the log says why Slack is off
    assert "created" not in response["body"]
    bucket = boto3.client("s3").list_objects_v2(Bucket=aws["AUTOSRE_AUDIT_BUCKET"])
    assert bucket.get("KeyCount", 0) == 0
    assert "SLACK_SIGNING_SECRET refers to ssm:/autosre/slack/signing-secret" in caplog.text


def test_a_signing_secret_stored_after_the_deploy_is_read_within_a_minute_not_per_request(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a warm Slack function that started before its signing secret was stored
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "ssm:/autosre/slack/signing-secret")
    now = [1000.0]
    monkeypatch.setattr(aws_runtime.settings, "clock", lambda: now[0])
    aws_runtime.settings.cache_clear()
    aws_slack.slack.cache_clear()
    reads: list[str] = []
    resolve = resolved_by_the_deployment

    def counted(settings: Settings) -> Settings:
        reads.append(settings.slack_signing_secret)
        return resolve(settings)

    monkeypatch.setattr(aws_runtime, "resolve_secrets", counted)
    body = slash_command_body("whoami")
    assert post_slack(body, signed_headers(body))["statusCode"] == 401
    # WHEN the operator stores it, and a flood of requests arrives in the same minute
    boto3.client("ssm").put_parameter(
        Name="/autosre/slack/signing-secret", Value=SIGNING_SECRET, Type="SecureString"
    )
    for _ in range(20):
        now[0] += 2
        assert post_slack(body, signed_headers(body))["statusCode"] == 401
    # THEN SSM was read once for all of them
    assert len(reads) == 1
    # AND a minute after the first read the secret is found, and the command is served
    now[0] = 1060.0
    answer = post_slack(body, signed_headers(body))
    assert answer["statusCode"] == 200
    assert len(reads) == 2
    # AND once found, it is not read again
    now[0] += 3600
    assert post_slack(body, signed_headers(body))["statusCode"] == 200
    assert len(reads) == 2


def test_a_function_other_than_slacks_reads_a_missing_signing_secret_once(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the worker of a deployment with no Slack (its doctor reports the signing secret, whose
    # reference names nothing)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "ssm:/autosre/slack/signing-secret")
    now = [1000.0]
    worker = aws_runtime.ResolvedSettings(clock=lambda: now[0])
    reads: list[str] = []

    def counted(settings: Settings) -> Settings:
        reads.append(settings.slack_signing_secret)
        return resolved_by_the_deployment(settings)

    monkeypatch.setattr(aws_runtime, "resolve_secrets", counted)
    # WHEN it runs for an hour
    assert worker().slack_signing_secret == ""
    for _ in range(60):
        now[0] += 60
        worker()
    # THEN its secrets were read once, not once a minute
    assert len(reads) == 1
