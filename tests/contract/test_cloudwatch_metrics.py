"""CloudWatch as a MetricsSource: one batched GetMetricData per window, rates, percentiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
from shared.errors import UnavailableError
from shared.telemetry.limits import READ_TIMEOUT
from shared.telemetry.models import ResourceKind, Service, Signal
from shared.telemetry.queries import queries_for, signal_series
from tests.support import service_of

END = datetime.now(UTC).replace(second=0, microsecond=0)
START = END - timedelta(minutes=30)


def _lambda_service() -> Service:
    return service_of(ResourceKind.AWS_LAMBDA, "checkout-fn", "checkout-api")


@mock_aws
def test_rates_and_sums_come_back_from_one_batched_call() -> None:
    # GIVEN a Lambda function's invocations and errors, a point a minute
    client = boto3.client("cloudwatch", region_name="us-east-1")
    for i in range(1, 30):
        at = START + timedelta(minutes=i)
        client.put_metric_data(
            Namespace="AWS/Lambda",
            MetricData=[
                {
                    "MetricName": "Invocations",
                    "Dimensions": [{"Name": "FunctionName", "Value": "checkout-fn"}],
                    "Timestamp": at,
                    "Value": 200.0,
                },
                {
                    "MetricName": "Errors",
                    "Dimensions": [{"Name": "FunctionName", "Value": "checkout-fn"}],
                    "Timestamp": at,
                    "Value": 4.0 if i < 20 else 30.0,
                },
            ],
        )
    source = CloudWatchMetricsSource(client=client)
    # WHEN the service's signals are fetched for the window
    series = signal_series(source, _lambda_service(), start=START, end=END, step=60)
    # THEN one call brought every signal, and the error rate is errors / invocations in percent
    assert source.calls == 1
    assert [v for _, v in series[Signal.TRAFFIC]] == [200.0] * 29
    rates = [v for _, v in series[Signal.ERROR_RATE]]
    assert rates[:19] == [2.0] * 19
    assert rates[19:] == [15.0] * 10


def test_percentiles_are_asked_for_by_name_and_read_back() -> None:
    # moto has no percentiles: botocore's Stubber checks the request and plays the response
    client = boto3.client("cloudwatch", region_name="us-east-1")
    stamps = [START + timedelta(minutes=i) for i in range(3)]
    results = [
        {
            "Id": f"q{i}",
            "Label": "",
            "Timestamps": stamps,
            "Values": [100.0 * (i + 1)] * 3,
            "StatusCode": "Complete",
        }
        for i in range(6)
    ]
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": results[:4], "NextToken": "page-2"},
            {
                "MetricDataQueries": ANY,
                "StartTime": START,
                "EndTime": END,
                "ScanBy": "TimestampAscending",
            },
        )
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": results[4:]},
            {
                "MetricDataQueries": ANY,
                "StartTime": START,
                "EndTime": END,
                "ScanBy": "TimestampAscending",
                "NextToken": "page-2",
            },
        )
        source = CloudWatchMetricsSource(client=client)
        series = signal_series(source, _lambda_service(), start=START, end=END, step=60)
        stub.assert_no_pending_responses()
    assert source.calls == 2  # one request, two pages
    assert series[Signal.P50_LATENCY] == [(t, 100.0) for t in stamps]
    assert series[Signal.P99_LATENCY] == [(t, 200.0) for t in stamps]


def test_the_queries_name_the_function_and_the_percentile_statistics() -> None:
    queries = queries_for(ResourceKind.AWS_LAMBDA, "checkout-fn")
    assert queries[Signal.P99_LATENCY].statistic == "p99"
    assert queries[Signal.P99_LATENCY].dimensions == {"FunctionName": "checkout-fn"}
    error_rate = queries[Signal.ERROR_RATE]
    assert (error_rate.metric, error_rate.divide_by and error_rate.divide_by.metric) == (
        "Errors",
        "Invocations",
    )
    alb = queries_for(
        ResourceKind.AWS_ALB,
        "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/50dc6c495c0c9188",
    )
    assert alb[Signal.TRAFFIC].dimensions == {"LoadBalancer": "app/web/50dc6c495c0c9188"}


@mock_aws
def test_a_read_waits_a_bounded_time_and_brings_a_bounded_number_of_points() -> None:
    # GIVEN a minute of invocations for half an hour
    client = boto3.client("cloudwatch", region_name="us-east-1")
    client.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "FunctionName", "Value": "checkout-fn"}],
                "Timestamp": START + timedelta(minutes=i),
                "Value": 200.0,
            }
            for i in range(1, 30)
        ],
    )
    # THEN the client our source makes waits at most READ_TIMEOUT for an answer
    config = CloudWatchMetricsSource()._client.meta.config
    assert (getattr(config, "connect_timeout"), getattr(config, "read_timeout")) == (  # noqa: B009 (botocore's stubs omit them)
        5,
        READ_TIMEOUT,
    )
    # AND a read that brings more points than the cap is refused, naming the cap
    capped = CloudWatchMetricsSource(client=client, max_points=20)
    with pytest.raises(UnavailableError, match="CloudWatch returned more than 20 points"):
        signal_series(capped, _lambda_service(), start=START, end=END, step=60)
