"""The Cloud Functions entry point on the AWS deployment's state (moto): a retried Slack delivery
runs once, as it does on Lambda (the guard is named by the GCP deployment, never defaulted)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from functions_framework import create_app

from handlers import gcp_http
from handlers.idempotency import PowertoolsGuard
from tests.fakes.http_capture import CaptureServer
from tests.support.payloads import app_mention_body, signed_headers

SOURCE = str(Path(gcp_http.__file__))


@pytest.fixture
def gcp(aws: dict[str, str]) -> Iterator[dict[str, str]]:
    """The functions' caches emptied around a test on the moto deployment."""
    for cached in (gcp_http.services, gcp_http.slack, gcp_http.teams):
        cached.cache_clear()
    yield aws
    for cached in (gcp_http.services, gcp_http.slack, gcp_http.teams):
        cached.cache_clear()


def test_the_gcp_function_on_the_aws_backend_runs_a_retried_delivery_once(
    gcp: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN the Slack function of the Cloud Functions deployment, on the AWS deployment's state
    client = create_app(target="slack_events", source=SOURCE).test_client()
    body = app_mention_body("team create payments", "Ev-gcp-1")
    headers = signed_headers(body, content_type="application/json")
    # WHEN Slack delivers a mention, then retries it (it did not see the answer in time)
    first = client.post("/", data=body, headers=headers)
    retried = client.post(
        "/",
        data=body,
        headers={**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    # THEN the team is created once, told once, and audited once (requested, succeeded)
    assert first.status_code == retried.status_code == 200
    posts = slack_api.calls("chat.postMessage")
    assert len(posts) == 1
    assert "Team payments created" in json.dumps(posts[0].body.get("blocks", []))
    keys = boto3.client("s3").list_objects_v2(
        Bucket=gcp["AUTOSRE_AUDIT_BUCKET"], Prefix="audit/slack%3AT111/_org/"
    )
    assert len(keys["Contents"]) == 2
    # AND the run-once guard is Powertools idempotency in the deployment's table
    assert isinstance(gcp_http.services().bus.guard, PowertoolsGuard)
