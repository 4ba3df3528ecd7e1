"""CloudWatch as the canary's VersionMetrics: each version through the alias, with the dimensions
Lambda publishes (a function registered by ARN included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
from shared.adapters.aws.cloudwatch_versions import CloudWatchVersionMetrics
from shared.services.commands import RegisterService
from shared.telemetry.models import ResourceKind, Signal
from shared.telemetry.queries import queries_for
from tests.support.canaries import a_canary

END = datetime.now(UTC).replace(second=0, microsecond=0)
START = END - timedelta(minutes=10)
ARN = "arn:aws:lambda:us-east-1:123456789012:function:checkout-fn"


def _published(client: object, version: str, invocations: float) -> None:
    """What Lambda publishes for `version` through alias live: FunctionName is the name."""
    dimensions = [
        {"Name": "FunctionName", "Value": "checkout-fn"},
        {"Name": "Resource", "Value": "checkout-fn:live"},
        {"Name": "ExecutedVersion", "Value": version},
    ]
    for i in range(10):
        client.put_metric_data(  # type: ignore[attr-defined]
            Namespace="AWS/Lambda",
            MetricData=[
                {
                    "MetricName": "Invocations",
                    "Dimensions": dimensions,
                    "Timestamp": START + timedelta(minutes=i, seconds=30),
                    "Value": invocations,
                }
            ],
        )


@pytest.mark.parametrize("target", ["checkout-fn:live", f"{ARN}:live"])
@mock_aws
def test_each_version_is_read_under_the_dimensions_lambda_publishes(target: str) -> None:
    # GIVEN both versions' invocations as Lambda publishes them
    client = boto3.client("cloudwatch", region_name="us-east-1")
    _published(client, "42", 5700.0)
    _published(client, "43", 300.0)
    canary = a_canary(target=target, stable="42", release="43", metrics=["errors"])
    # WHEN the canary's target is read, named by the function's name or (registered before
    # names were kept) by its ARN
    source = CloudWatchVersionMetrics(CloudWatchMetricsSource(client=client))
    data = source.compare(canary, start=START, end=END)
    # THEN both versions' requests are found
    assert (data["errors"].control_total, data["errors"].experiment_total) == (57000, 3000)


def test_a_function_registered_by_arn_keeps_its_arn_without_alias_and_by_name_its_name() -> None:
    # (the ARN's account and Region are what chaos checks before faulting a function of a name)
    registered = RegisterService.model_validate({"name": "checkout-api", "aws_lambda": ARN})
    assert registered.aws_lambda == ARN
    aliased = RegisterService.model_validate({"name": "checkout-api", "aws_lambda": f"{ARN}:live"})
    assert aliased.aws_lambda == ARN
    qualified = RegisterService.model_validate(
        {"name": "checkout-api", "aws_lambda": "checkout-fn:live"}
    )
    assert qualified.aws_lambda == "checkout-fn"  # Lambda publishes FunctionName=checkout-fn
    with pytest.raises(ValueError, match="is not a Lambda function's ARN"):
        RegisterService.model_validate({"name": "x", "aws_lambda": "arn:aws:s3:::bucket"})


@mock_aws
def test_a_function_registered_by_arn_is_read_by_its_name() -> None:
    # GIVEN a function's invocations, published under its name, and the function registered by
    # its ARN (kept as given, for chaos's account check)
    client = boto3.client("cloudwatch", region_name="us-east-1")
    for i in range(10):
        client.put_metric_data(
            Namespace="AWS/Lambda",
            MetricData=[
                {
                    "MetricName": "Invocations",
                    "Dimensions": [{"Name": "FunctionName", "Value": "checkout-fn"}],
                    "Timestamp": START + timedelta(minutes=i, seconds=30),
                    "Value": 100.0,
                }
            ],
        )
    registered = RegisterService.model_validate({"name": "checkout-api", "aws_lambda": ARN})
    assert registered.aws_lambda is not None
    traffic = queries_for(ResourceKind.AWS_LAMBDA, registered.aws_lambda)[Signal.TRAFFIC]
    # WHEN its traffic is read, THEN it is found (by its name, as Lambda publishes it)
    (points,) = CloudWatchMetricsSource(client=client).read(
        [traffic], start=START, end=END, step=60
    )
    assert sum(value for _, value in points) == 1000.0
