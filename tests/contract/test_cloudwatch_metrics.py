"""CloudWatch as a MetricsSource: one batched GetMetricData per window, rates, percentiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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
    for i in range(30):
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
    assert [v for _, v in series[Signal.TRAFFIC]] == [200.0] * 30
    rates = [v for _, v in series[Signal.ERROR_RATE]]
    assert rates[:20] == [2.0] * 20
    assert rates[20:] == [15.0] * 10


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
    assert (alb[Signal.TRAFFIC].region, alb[Signal.TRAFFIC].account) == ("eu-west-1", "1")


def _invocations(region: str, value: float) -> None:
    _put(boto3.client("cloudwatch", region_name=region), "Invocations", range(30), value)


def _asked(client: Any) -> list[dict[str, Any]]:
    """The MetricDataQueries of each GetMetricData call `client` sends (as botocore builds it)."""
    asked: list[dict[str, Any]] = []
    client.meta.events.register(
        "provide-client-params.cloudwatch.GetMetricData",
        lambda params, **_: asked.extend(params["MetricDataQueries"]),
    )
    return asked


@mock_aws
def test_a_function_named_by_its_arn_is_read_in_its_region_not_a_namesake_here() -> None:
    # GIVEN a deployment in us-east-1, and checkout-fn in eu-west-1 and a namesake here
    _invocations("eu-west-1", 40.0)
    _invocations("us-east-1", 999.0)
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:checkout-fn"
    service = service_of(ResourceKind.AWS_LAMBDA, arn, "checkout-api")
    client = boto3.client("cloudwatch", region_name="us-east-1")
    # WHEN the service registered by its ARN is read
    series = signal_series(
        CloudWatchMetricsSource(client=client), service, start=START, end=END, step=60
    )
    # THEN its own Region's invocations come back, not the namesake's
    assert [v for _, v in series[Signal.TRAFFIC]] == [40.0] * 30


@mock_aws
def test_a_function_of_another_account_is_asked_of_that_account() -> None:
    # GIVEN a deployment in account 123456789012 (moto's), and functions named by ARN in it and
    # in another account
    client = boto3.client("cloudwatch", region_name="us-east-1")
    asked = _asked(client)
    source = CloudWatchMetricsSource(client=client)
    for account in ("123456789012", "210987654321"):
        arn = f"arn:aws:lambda:us-east-1:{account}:function:checkout-fn"
        # WHEN each is read
        signal_series(
            source,
            service_of(ResourceKind.AWS_LAMBDA, arn, "checkout-api"),
            start=START,
            end=END,
            step=60,
        )
    # THEN the other account's metrics are asked of that account (CloudWatch cross-account
    # observability), this account's as any other; moto keeps one account, so what CloudWatch
    # answers there (the linked account's data, or a refusal) is beyond this test
    accounts = {query.get("AccountId") for query in asked}
    assert accounts == {None, "210987654321"}
    assert len(asked) == 2 * 5


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


LAMBDA = ("AWS/Lambda", "FunctionName", "checkout-fn")
ALB = ("AWS/ApplicationELB", "LoadBalancer", "app/web/50dc6c495c0c9188")


def _put(
    client: Any, metric: str, minutes: range, value: float, where: tuple[str, ...] = LAMBDA
) -> None:
    namespace, dimension, name = where
    client.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": dimension, "Value": name}],
                "Timestamp": START + timedelta(minutes=i),
                "Value": value,
            }
            for i in minutes
        ],
    )


@mock_aws
def test_a_minute_cloudwatch_leaves_out_of_a_count_is_0_not_missing() -> None:
    # GIVEN invocations that stopped for 9 minutes, and errors published only when there were
    # some (CloudWatch has no datapoint for a period in which a count saw nothing)
    client = boto3.client("cloudwatch", region_name="us-east-1")
    _put(client, "Invocations", range(10), 500.0)
    _put(client, "Invocations", range(19, 30), 500.0)
    _put(client, "Errors", range(25, 30), 25.0)
    series = signal_series(
        CloudWatchMetricsSource(client=client), _lambda_service(), start=START, end=END, step=60
    )
    traffic = dict(series[Signal.TRAFFIC])
    # THEN the 9 minutes are 0 requests, not a hole (which read steady), and every minute with
    # requests has an error rate: 0% until the errors began, 5% since
    assert [traffic[START + timedelta(minutes=i)] for i in range(10, 19)] == [0.0] * 9
    assert len(traffic) == 30
    rates = series[Signal.ERROR_RATE]
    assert [v for t, v in rates if t < START + timedelta(minutes=25)] == [0.0] * 16
    assert [v for t, v in rates if t >= START + timedelta(minutes=25)] == [5.0] * 5


@mock_aws
def test_only_a_count_with_points_is_completed_and_never_in_its_last_minutes() -> None:
    # GIVEN invocations that stopped 2 minutes before the read's end (not all published yet,
    # perhaps), and no errors and no duration at all
    client = boto3.client("cloudwatch", region_name="us-east-1")
    _put(client, "Invocations", range(28), 500.0)
    series = signal_series(
        CloudWatchMetricsSource(client=client), _lambda_service(), start=START, end=END, step=60
    )
    # THEN the last minutes stay unknown (a count is 0 only once CloudWatch has settled), a
    # latency with no point is no data, not 0
    assert max(t for t, _ in series[Signal.TRAFFIC]) == START + timedelta(minutes=27)
    assert series.get(Signal.P99_LATENCY, []) == []


ALB_ARN = (  # the account and Region moto's client runs in
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
)


@mock_aws
def test_a_load_balancer_s_error_rate_counts_the_502s_it_answers_itself() -> None:
    # GIVEN a load balancer serving 500 requests a minute whose targets answered 1 error a
    # minute, then crashed: for the last 10 minutes the load balancer answered 400 of the 500
    # with 502 itself (a target that is down answers nothing, so HTTPCode_Target_5XX is quiet)
    client = boto3.client("cloudwatch", region_name="us-east-1")
    _put(client, "RequestCount", range(30), 500.0, ALB)
    _put(client, "HTTPCode_Target_5XX_Count", range(20), 1.0, ALB)
    _put(client, "HTTPCode_ELB_5XX_Count", range(20, 30), 400.0, ALB)
    service = service_of(ResourceKind.AWS_ALB, ALB_ARN, "web")
    source = CloudWatchMetricsSource(client=client)
    # WHEN the service's signals are read
    series = signal_series(source, service, start=START, end=END, step=60)
    # THEN its error rate is both counts over the requests, in one call: 80% since the crash,
    # not the 0% the targets' own count alone gives (a false all-clear in an outage)
    assert source.calls == 1
    rates = [v for _, v in series[Signal.ERROR_RATE]]
    assert rates == [0.2] * 20 + [80.0] * 10


@mock_aws
@pytest.mark.parametrize("counted", [100.0, None], ids=["some-counted", "none-counted"])
def test_a_load_balancer_with_no_target_to_send_to_reads_100_percent_errors(
    counted: float | None,
) -> None:
    # GIVEN a load balancer that found no healthy target for 5 minutes: it answered 503 to
    # requests RequestCount does not count (it counts only requests sent to a target), so
    # RequestCount had a few of them or none at all
    client = boto3.client("cloudwatch", region_name="us-east-1")
    _put(client, "RequestCount", range(25), 100.0, ALB)
    if counted is not None:
        _put(client, "RequestCount", range(25, 30), counted, ALB)
    _put(client, "HTTPCode_ELB_5XX_Count", range(25, 30), 900.0, ALB)
    service = service_of(ResourceKind.AWS_ALB, ALB_ARN, "web")
    series = signal_series(
        CloudWatchMetricsSource(client=client), service, start=START, end=END, step=60
    )
    # THEN the rate is 0% before and 100% during: never 900%, never left out
    assert [v for _, v in series[Signal.ERROR_RATE]] == [0.0] * 25 + [100.0] * 5


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("Throttling", r"CloudWatch refused to read the metrics \(Throttling\): try again"),
        ("AccessDenied", "the deployment's role needs cloudwatch:GetMetricData"),
    ],
)
def test_a_refused_read_says_why_and_what_to_do(code: str, said: str) -> None:
    client = boto3.client("cloudwatch", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error("get_metric_data", service_error_code=code, http_status_code=400)
        with pytest.raises(UnavailableError, match=said):
            signal_series(
                CloudWatchMetricsSource(client=client),
                _lambda_service(),
                start=START,
                end=END,
                step=60,
            )


def test_a_query_cloudwatch_could_not_answer_is_unknown_not_empty() -> None:
    client = boto3.client("cloudwatch", region_name="us-east-1")
    forbidden = {
        "Id": "q0",
        "Label": "",
        "Timestamps": [],
        "Values": [],
        "StatusCode": "Forbidden",
        "Messages": [{"Code": "Forbidden", "Value": "no access to AWS/Lambda"}],
    }
    with Stubber(client) as stub:
        stub.add_response("get_metric_data", {"MetricDataResults": [forbidden]})
        with pytest.raises(UnavailableError, match="Forbidden: no access to AWS/Lambda"):
            signal_series(
                CloudWatchMetricsSource(client=client),
                _lambda_service(),
                start=START,
                end=END,
                step=60,
            )
