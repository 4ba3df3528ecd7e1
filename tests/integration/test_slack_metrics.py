"""What the Slack function tells CloudWatch: each refused request, by status, as an EMF metric;
nothing for an answered one (Lambda's own Invocations metric counts every request)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.handlers import post_slack
from tests.support.payloads import signed_headers, slash_command_body


def _emf(out: str) -> list[dict[str, Any]]:
    """The EMF documents Powertools printed."""
    lines = (json.loads(line) for line in out.splitlines() if line.startswith("{"))
    return [line for line in lines if "_aws" in line]


def test_an_answered_request_prints_no_metric(
    aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    body = slash_command_body("help")
    assert post_slack(body, signed_headers(body))["statusCode"] == 200
    assert _emf(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"secret": "not-the-secret"}, 401),  # bolt's signature check
        ({"timestamp": 1}, 401),  # stale: signed in 1970
    ],
)
def test_a_refused_request_is_counted_by_its_status(
    aws: dict[str, str], capsys: pytest.CaptureFixture[str], headers: dict[str, Any], status: int
) -> None:
    body = slash_command_body("help")
    assert post_slack(body, signed_headers(body, **headers))["statusCode"] == status
    (document,) = _emf(capsys.readouterr().out)
    assert document["SlackRefused"] == [1.0]
    assert document["status"] == str(status)
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "AutoSRE"
    assert [set(dimensions) for dimensions in directive["Dimensions"]] == [{"service", "status"}]


def test_a_malformed_body_is_counted_as_400(
    aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    body = "payload=null"
    assert post_slack(body, signed_headers(body))["statusCode"] == 400
    (document,) = _emf(capsys.readouterr().out)
    assert (document["SlackRefused"], document["status"]) == ([1.0], "400")
