"""What the Slack and alerts functions tell CloudWatch: each refused request, by status, as an
EMF metric, nothing for an answered one (Lambda's own Invocations metric counts every request);
each alert tick, and whether it had problems, for the stack's alarms."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import EndpointConnectionError

from handlers import aws_scheduler
from tests.contract.test_serverless_yml import RESOURCES
from tests.support.handlers import alerts_tick, post_slack, slash
from tests.support.payloads import LambdaContext, load, signed_headers, slash_command_body


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


def _refuse_digests(down: bool, request: AWSPreparedRequest, **_: Any) -> None:
    if down and "/digests/" in request.url:
        raise EndpointConnectionError(endpoint_url=request.url)


def _watched(document: dict[str, Any], names: tuple[str, ...]) -> None:
    """Each of the stack's alarms `names` watches a metric of `document`, in its namespace and
    with its dimensions, and tells the alarm topic."""
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    alarms = [RESOURCES[name]["Properties"] for name in names]
    for alarm in alarms:
        assert alarm["Namespace"] == directive["Namespace"]
        assert alarm["MetricName"] in document
        named = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
        assert [set(dimensions) for dimensions in directive["Dimensions"]] == [set(named)]
        assert all(document[name] == value for name, value in named.items())
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_alert_ticks_metrics_are_the_ones_the_stacks_alarms_watch(
    aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the deployed alarms on the alert scheduler (it stopped; its ticks keep having
    # problems): its Errors stay at 0 when a notice is not posted, so only its metrics tell
    # WHEN the alerts function runs one tick (nothing to judge: no problem)
    capsys.readouterr()
    alerts_tick("tick-metrics", 0)
    # (the cold start is a document of its own, by function)
    (document,) = [d for d in _emf(capsys.readouterr().out) if "AlertTicks" in d]
    # THEN it prints both metrics, in the namespace and with the dimensions the alarms name
    assert (document["AlertTicks"], document["AlertTickProblems"]) == ([1.0], [0.0])
    _watched(document, ("AlertTicksMissingAlarm", "AlertTickProblemsAlarm"))


@pytest.mark.parametrize("trail_down", [False, True])
def test_the_hourly_sealing_is_counted_for_the_stacks_alarms(
    aws: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    trail_down: bool,
) -> None:
    # GIVEN an org with a trail, and the alarms on the sealing (it stopped; it failed); with
    # the trail down, S3 refuses every digest (the clients are made after this session's hook)
    session = boto3.Session()
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    session.events.register("before-send.s3.PutObject", partial(_refuse_digests, trail_down))
    slash("team create payments", "t1")
    event = load("aws/eventbridge_scheduled_rule_event.json")
    capsys.readouterr()
    # WHEN the hourly rule fires
    result = aws_scheduler.handler(event, LambdaContext())
    (document,) = [d for d in _emf(capsys.readouterr().out) if "SealRuns" in d]
    # THEN the run is counted, with each org whose sealing failed
    assert document["SealRuns"] == [1.0]
    assert document["SealFailures"] == [float(len(result["failed"]))]
    assert bool(result["failed"]) is trail_down
    _watched(document, ("AuditSealsMissingAlarm", "AuditSealFailedAlarm"))
