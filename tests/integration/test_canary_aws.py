"""Whole canaries on AWS pieces: Lambda alias weights and the canary table on moto, each version's
CloudWatch metrics through botocore's Stubber (moto has no percentiles), the canary's one Slack
message through the fake Web API on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from bots.delivery import SurfaceNotifier
from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
from shared.adapters.aws.cloudwatch_versions import CloudWatchVersionMetrics
from shared.adapters.aws.dynamodb_canaries import DynamoDbCanaryStore
from shared.adapters.aws.lambda_investigators import LambdaInvestigatorVersions
from shared.adapters.aws.lambda_routing import LambdaTrafficRouter
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.replies import Tone
from shared.telemetry.models import ResourceKind
from tests.fakes.http_capture import CaptureServer
from tests.fakes.lambda_versions import DeployedVersions
from tests.support import (
    NOW,
    MovingClock,
    memory_adapters,
    run,
    run_deferred,
    run_scheduler,
)
from tests.support.aws import create_table, lambda_function
from tests.support.deployments import registered_services
from tests.support.handlers import blind_version, this_version


def _minute_results(start: datetime, minutes: int, error_rate: float, weight: float) -> Any:
    """GetMetricData's answer for both versions over `minutes` (ids as the adapter numbers them:
    stable invocations, errors, p99; canary invocations, errors, p99)."""
    stamps = [start + timedelta(minutes=i) for i in range(minutes)]
    total = 6000.0
    stable, canary = total * (1 - weight), total * weight
    series = [
        [stable] * minutes,
        [stable * 0.01] * minutes,
        [380.0 + (i % 3) for i in range(minutes)],
        [canary] * minutes,
        [round(canary * error_rate)] * minutes,
        [381.0 + (i % 3) for i in range(minutes)],
    ]
    return {
        "MetricDataResults": [
            {
                "Id": f"q{i}",
                "Label": "",
                "Timestamps": stamps,
                "Values": values,
                "StatusCode": "Complete",
            }
            for i, values in enumerate(series)
        ]
    }


@pytest.fixture
def versions() -> DeployedVersions:
    """What checkout-fn's versions answer when invoked with the replay set (as if it were the
    investigator): version 1 this code's worker, version 2 one blind to saturation."""
    return DeployedVersions({"1": this_version, "2": blind_version})


@pytest.fixture
def deployment(
    slack_api: CaptureServer, versions: DeployedVersions
) -> Iterator[tuple[Services, MovingClock, Stubber, Any]]:
    """Services on moto's Lambda and DynamoDB, a stubbed CloudWatch, Slack on loopback."""
    with mock_aws():
        lambda_function()  # checkout-fn, versions 1 and 2, alias live -> 1
        lambda_client = versions.attach(boto3.client("lambda"))
        cloudwatch = boto3.client("cloudwatch")
        stub = Stubber(cloudwatch)
        clock = MovingClock(NOW)
        settings = Settings(
            org_admins=("slack:T1:root",), slack_bot_token="xoxb-test", slack_api_url=slack_api.url
        )
        source = CloudWatchMetricsSource(client=cloudwatch)
        adapters = memory_adapters(
            clock,
            metrics={ResourceKind.AWS_LAMBDA: source},
            canaries=DynamoDbCanaryStore(table=create_table(), client=boto3.client("dynamodb")),
            routers={ResourceKind.AWS_LAMBDA: LambdaTrafficRouter(client=lambda_client)},
            version_metrics={ResourceKind.AWS_LAMBDA: CloudWatchVersionMetrics(source)},
            investigators=LambdaInvestigatorVersions(client=lambda_client),
            notifier=SurfaceNotifier(settings),
        )
        register = "service register checkout-api --aws-lambda checkout-fn"
        services = registered_services(settings, adapters, register, channel="C-pay")
        with stub:
            yield services, clock, stub, lambda_client


EXPECTED = {
    "MetricDataQueries": ANY,
    "StartTime": NOW,
    "EndTime": ANY,
    "ScanBy": "TimestampAscending",
}


def _alias(client: Any) -> tuple[str, dict[str, float]]:
    alias = client.get_alias(FunctionName="checkout-fn", Name="live")
    return alias["FunctionVersion"], alias.get("RoutingConfig", {}).get(
        "AdditionalVersionWeights", {}
    )


def test_a_healthy_version_is_stepped_and_promoted_and_its_message_updated_in_place(
    deployment: tuple[Services, MovingClock, Stubber, Any], slack_api: CaptureServer
) -> None:
    services, clock, stub, lambda_client = deployment
    started = run_deferred(
        services,
        "canary start checkout-api --version 2 --steps 5,50,100 --interval 10m",
        user="oli",
        channel="C-pay",
    )
    assert started.tone is Tone.OK, started
    assert _alias(lambda_client) == ("1", {"2": 0.05})
    # each tick reads both versions since its step began in one GetMetricData call
    for began, weight in ((NOW, 0.05), (NOW + timedelta(minutes=10), 0.5)):
        stub.add_response(
            "get_metric_data",
            _minute_results(began, 10, 0.01, weight),
            {
                "MetricDataQueries": ANY,
                "StartTime": began,
                "EndTime": ANY,
                "ScanBy": "TimestampAscending",
            },
        )
    first = run_scheduler(services, clock, 10)
    assert "advanced" in dict(first.fields)["Canaries"], first
    assert _alias(lambda_client) == ("1", {"2": 0.5})
    run_scheduler(services, clock, 10)
    assert _alias(lambda_client) == ("2", {})  # promoted: the alias moved, no weights left
    stub.assert_no_pending_responses()
    # the canary has one Slack message, posted once and updated at each step
    (posted,) = slack_api.calls("chat.postMessage")
    assert "Canary checkout-api version 2: running at 5%" in str(posted.body["blocks"])
    updates = slack_api.calls("chat.update")
    assert [u.body["ts"] for u in updates] == ["1700000000.000100"] * 2
    assert "promoted at 100%" in str(updates[-1].body["blocks"])
    # with a chart inside it at every step: uploaded, shared nowhere, shown once Slack has it
    uploads = slack_api.calls("files.completeUploadExternal")
    assert len(uploads) == 2
    assert all("channel_id" not in u.body for u in uploads)
    assert len(slack_api.calls("files.info")) == 2
    for update in updates:
        (image,) = [b for b in update.body["blocks"] if b["type"] == "image"]
        assert image["slack_file"] == {"id": "F1"}
        assert image["title"]["text"] == "checkout-api: canary 2 vs stable 1, per minute"


def test_an_erring_version_is_rolled_back(
    deployment: tuple[Services, MovingClock, Stubber, Any], slack_api: CaptureServer
) -> None:
    services, clock, stub, lambda_client = deployment
    run_deferred(services, "canary start checkout-api --version 2", user="oli", channel="C-pay")
    stub.add_response(
        "get_metric_data",
        _minute_results(NOW, 5, 0.05, 0.05),
        {
            "MetricDataQueries": ANY,
            "StartTime": NOW,
            "EndTime": ANY,
            "ScanBy": "TimestampAscending",
        },
    )
    reply = run_scheduler(services, clock, 5)
    assert "rolled back" in dict(reply.fields)["Canaries"]
    assert _alias(lambda_client) == ("1", {})
    assert "rolled back" in str(slack_api.calls("chat.update")[-1].body["blocks"])


def test_a_release_of_the_investigator_that_misses_causes_on_the_replay_set_is_rolled_back(
    deployment: tuple[Services, MovingClock, Stubber, Any],
    slack_api: CaptureServer,
    versions: DeployedVersions,
) -> None:
    services, clock, stub, lambda_client = deployment
    # GIVEN a canary of version 2 of the function (here: the investigator), healthy on errors
    started = run_deferred(
        services,
        "canary start checkout-api --version 2 --replay --metrics errors --critical errors",
        user="oli",
        channel="C-pay",
    )
    assert started.tone is Tone.OK, started
    stub.add_response("get_metric_data", _minute_results(NOW, 5, 0.01, 0.05), EXPECTED)
    # WHEN the scheduler judges it
    reply = run_scheduler(services, clock, 5)
    # THEN each deployed version was invoked once with the replay set, stable first
    assert versions.invoked == [("checkout-fn", "1"), ("checkout-fn", "2")]
    # AND version 2, which names saturation as the cause of none of the 8 scenarios it started,
    # is rolled back on the investigation's quality alone
    assert "rolled back" in dict(reply.fields)["Canaries"]
    assert _alias(lambda_client) == ("1", {})
    verdict = str(slack_api.calls("chat.update")[-1].body["blocks"])
    assert "investigation_quality 20.0% vs 0.0%, none on stable, very likely (p = 0.004" in verdict


@pytest.mark.parametrize("version", ["v2-beta", "$LATEST", "blue"])
def test_a_label_is_no_lambda_version_and_is_refused_before_anything_moves(
    deployment: tuple[Services, MovingClock, Stubber, Any], version: str
) -> None:
    services, _, _, lambda_client = deployment
    refused = run(
        services, f"canary start checkout-api --version {version}", user="oli", channel="C-pay"
    )
    assert refused.tone is Tone.USAGE, refused
    assert refused.title.startswith(f"`{version}` is not a version of checkout-fn: Lambda numbers")
    assert "aws lambda publish-version --function-name checkout-fn" in refused.title
    assert _alias(lambda_client) == ("1", {})
