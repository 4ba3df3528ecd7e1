"""CloudWatch bills GetMetricData per metric requested, not per call: through the bus on moto, an
alert tick's one batched call of N queries adds 1 call to the team's hour (the quota limits API
calls) and N metrics requested to its month's usage, priced per 1,000 metrics; the CSV for
chargeback carries both lines in its usual columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
from shared.adapters.memory import InMemoryExportStore
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.telemetry.models import ResourceKind
from tests.support import NOW, MovingClock, memory_adapters, run, run_scheduler, setup_teams

SIGNALS = ("p99_latency > 800ms", "error_rate > 5%", "traffic > 100000")


class _Sent:
    """Each GetMetricData call botocore sent, as the number of queries it asked for."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, params: dict[str, Any], **_: object) -> None:
        self.calls.append(len(params["MetricDataQueries"]))


@pytest.fixture
def on_cloudwatch() -> Iterator[tuple[Services, _Sent, InMemoryExportStore]]:
    """Team payments with an AWS Lambda service read from CloudWatch (moto) and an alert on
    each of three signals; what CloudWatch was sent; where exports are kept."""
    sent, exports = _Sent(), InMemoryExportStore()
    with mock_aws():
        client = boto3.client("cloudwatch", region_name="us-east-1")
        client.meta.events.register("before-parameter-build.cloudwatch.GetMetricData", sent)
        source = CloudWatchMetricsSource(client=client)
        adapters = memory_adapters(
            MovingClock(NOW), metrics={ResourceKind.AWS_LAMBDA: source}, exports=exports
        )
        services = build(Settings(org_admins=("slack:T1:root",)), adapters)
        setup_teams(services)
        register = "service register checkout-api --aws-lambda checkout-fn"
        assert not run(services, register, user="oli", channel="C-pay").failed
        for i, when in enumerate(SIGNALS):
            create = f'alert create a{i} --service checkout-api --when "{when}"'
            said = run(services, create, user="oli", channel="C-pay")
            assert not said.failed, said
        yield services, sent, exports


def _usage(services: Services) -> dict[str, str]:
    """`kind -> "count ($cost)"` of payments' month, as `sre usage` says it."""
    field = dict(run(services, "usage", user="vic", channel="C-pay").fields)["payments"]
    return dict(part.split(" ", 1) for part in field.split("; "))


def test_one_call_of_n_queries_is_one_call_in_the_hour_and_n_metrics_in_the_month(
    on_cloudwatch: tuple[Services, _Sent, InMemoryExportStore],
) -> None:
    services, sent, _ = on_cloudwatch
    # WHEN one alert tick reads the three alerts' signals
    run_scheduler(services, MovingClock(NOW))
    # THEN CloudWatch was sent one call of several queries
    (queries,) = sent.calls
    assert queries >= len(SIGNALS)
    # AND the team's hour holds that one call, its month the call and the N metrics it requested
    quota = dict(run(services, "quota show", user="vic", channel="C-pay").fields)
    assert quota["provider-calls-per-hour"].startswith("1 of ")
    usage = _usage(services)
    assert usage["cloudwatch-get-metric-data"] == "1 ($0.00)"
    assert usage["cloudwatch-metrics-requested"].startswith(f"{queries} (")


def test_the_metrics_are_priced_per_thousand_and_the_csv_carries_both_lines(
    on_cloudwatch: tuple[Services, _Sent, InMemoryExportStore],
) -> None:
    services, sent, exports = on_cloudwatch
    run_scheduler(services, MovingClock(NOW))
    (queries,) = sent.calls
    # GIVEN AWS's price by default: $0.01 per 1,000 metrics requested (the calls free)
    prices = dict(run(services, "usage prices", user="vic", channel="C-pay").fields)
    assert prices["cloudwatch-metrics-requested"].startswith("$0.01 per 1,000 metrics")
    assert prices["cloudwatch-get-metric-data"].startswith("$0 per 1,000 calls")
    # WHEN the org prices a thousand metrics at $1,000 (so each metric shows in whole dollars)
    assert not run(services, "usage price set cloudwatch-metrics-requested 1000").failed
    # THEN the month costs N times the price of one metric
    assert _usage(services)["cloudwatch-metrics-requested"] == f"{queries} (${queries}.00)"
    # AND the CSV has the call and the metrics, each in the usual columns with its price
    assert not run(services, "usage --csv", user="vic", channel="C-pay").failed
    (content,) = exports.files.values()
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    by_kind = {row["kind"]: row for row in rows}
    assert by_kind["cloudwatch-get-metric-data"]["count"] == "1"
    metrics = by_kind["cloudwatch-metrics-requested"]
    assert (metrics["count"], metrics["unit"]) == (str(queries), "1,000 metrics")
    assert metrics["estimated_usd"] == f"{queries}.00"
