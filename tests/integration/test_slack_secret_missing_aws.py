"""A Slack signing secret whose SSM parameter was never stored leaves Slack off, never open: a
request signed with the empty key (which anyone can compute) changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import time

import boto3
import pytest

from handlers import aws_runtime, aws_slack
from tests.support.handlers import post_slack
from tests.support.payloads import slash_command_body


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
