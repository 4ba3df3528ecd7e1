"""The fault metrics on AWS: the whole service during the injection against the same service in
the minutes before it (Lambda's metrics do not split faulted invocations), on moto CloudWatch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.cloudwatch_chaos import CloudWatchFaultMetrics
from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
from shared.telemetry.models import MetricQuery, ResourceKind, Service, Signal
from tests.support import NOW, service_of

START = NOW.replace(minute=0)
"""The injection's first minute after its ramp-up."""
LEAD = timedelta(minutes=1)


@pytest.fixture
def cloudwatch() -> Iterator[CloudWatchFaultMetrics]:
    with mock_aws():
        client = boto3.client("cloudwatch", region_name="us-east-1")
        yield CloudWatchFaultMetrics(CloudWatchMetricsSource(client=client), lead=LEAD)


def _minutes(first: int, count: int, *, invocations: float, errors: float, slowest: float) -> None:
    """checkout-fn's Lambda metrics for `count` minutes from START + `first` minutes."""
    client = boto3.client("cloudwatch", region_name="us-east-1")
    for i in range(first, first + count):
        at = START + timedelta(minutes=i, seconds=10)
        values = {"Invocations": invocations, "Errors": errors, "Duration": slowest}
        client.put_metric_data(
            Namespace="AWS/Lambda",
            MetricData=[
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": "FunctionName", "Value": "checkout-fn"}],
                    "Timestamp": at,
                    "Value": value,
                }
                for name, value in values.items()
            ],
        )


def _service() -> Service:
    service = service_of(ResourceKind.AWS_LAMBDA, "checkout-fn", name="checkout-api")
    # moto computes no percentiles: the slowest invocation stands in for the p99 here
    slowest = MetricQuery(
        signal=Signal.P99_LATENCY,
        namespace="AWS/Lambda",
        metric="Duration",
        dimensions={"FunctionName": "checkout-fn"},
        statistic="Maximum",
    )
    return service.model_copy(update={"queries": {**service.queries, Signal.P99_LATENCY: slowest}})


def test_the_injection_is_weighed_against_the_minutes_before_it(
    cloudwatch: CloudWatchFaultMetrics,
) -> None:
    _minutes(-6, 5, invocations=100, errors=1, slowest=400)  # before, up to the ramp-up
    _minutes(-1, 1, invocations=100, errors=50, slowest=2000)  # the ramp-up: on neither side
    _minutes(0, 5, invocations=100, errors=6, slowest=1900)  # the injection
    data = cloudwatch.compare(
        _service(),
        ["error_rate", "p99_latency"],
        start=START,
        end=START + timedelta(minutes=5),
    )
    errors = data["error_rate"]
    assert (errors.control, errors.control_total) == ([1.0] * 5, 500)
    assert (errors.experiment, errors.experiment_total) == ([6.0] * 5, 500)
    assert data["p99_latency"].control == [400.0] * 5
    assert data["p99_latency"].experiment == [1900.0] * 5


def test_a_minute_without_requests_and_a_signal_not_registered_are_not_samples(
    cloudwatch: CloudWatchFaultMetrics,
) -> None:
    _minutes(0, 2, invocations=100, errors=3, slowest=500)
    _minutes(2, 1, invocations=0, errors=0, slowest=0)
    service = _service()
    data = cloudwatch.compare(
        service.model_copy(
            update={"queries": {Signal.ERROR_RATE: service.queries[Signal.ERROR_RATE]}}
        ),
        ["error_rate", "p99_latency"],
        start=START,
        end=START + timedelta(minutes=3),
    )
    assert list(data) == ["error_rate"]
    assert data["error_rate"].experiment == [3.0, 3.0]
    assert data["error_rate"].experiment_total == 200
    assert (data["error_rate"].control, data["error_rate"].control_total) == ([], 0)
