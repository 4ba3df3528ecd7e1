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


def test_the_gcp_function_without_the_deployments_table_is_not_served_and_says_what_to_set(
    gcp: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a gcp-env.yaml that left out AUTOSRE_TABLE
    monkeypatch.delenv("AUTOSRE_TABLE")
    client = create_app(target="slack_events", source=SOURCE).test_client()
    body = app_mention_body("team list", "Ev-gcp-2")
    # WHEN Slack sends a command, THEN it is 503 naming what to set (not "Internal error")
    response = client.post(
        "/", data=body, headers=signed_headers(body, content_type="application/json")
    )
    assert response.status_code == 503
    assert (
        "set AUTOSRE_TABLE (the stack's outputs, as in gcp-env.yaml)"
        in response.get_json()["error"]
    )


def test_slack_install_pages_are_404_unless_oauth_mode_and_bolts_own_in_it(
    gcp: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the single-workspace settings serverless.yml writes: an empty client id and the
    # client secret's reference (bolt builds an install flow of its own from those two)
    monkeypatch.setenv("SLACK_CLIENT_ID", "")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "ssm:/autosre/slack/client-secret")
    client = create_app(target="slack_events", source=SOURCE).test_client()
    # THEN the install pages are not served
    assert client.get("/slack/install").status_code == 404
    assert client.get("/slack/oauth_redirect?code=a&state=b").status_code == 404
    # AND in OAuth mode, bolt's install page is (a new instance: a function's settings are read
    # once)
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    boto3.client("ssm").put_parameter(
        Name="/autosre/slack/client-secret", Value="s3cret", Type="SecureString"
    )
    page = create_app(target="slack_events", source=SOURCE).test_client().get("/slack/install")
    assert page.status_code == 200, page.data[:300]
    assert "client_id=111.222" in page.get_data(as_text=True)
