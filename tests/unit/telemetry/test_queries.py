"""A Cloud Monitoring override keeps its metric type prefix."""

from __future__ import annotations

import pytest

from shared.telemetry.models import ResourceKind, Signal
from shared.telemetry.queries import latency_read_as, override, queries_for
from tests.support import service_of


def test_a_cloud_monitoring_override_keeps_the_metric_type_prefix() -> None:
    default = queries_for(ResourceKind.GCP_CLOUD_RUN, "shop-prod/europe-west1/checkout")[
        Signal.SATURATION
    ]
    changed = override(ResourceKind.GCP_CLOUD_RUN, default, metric="container/memory/utilizations")
    assert changed.namespace == "run.googleapis.com/container/memory/utilizations"
    assert changed.dimensions == default.dimensions
    with pytest.raises(ValueError, match="gcp-cloud-run metrics have no statistic `p95`"):
        override(ResourceKind.GCP_CLOUD_RUN, default, metric="x", statistic="p95")


def test_an_error_rate_given_new_dimensions_stays_a_rate_of_the_same_requests() -> None:
    # GIVEN a Lambda function's error rate (errors per invocation × 100)
    default = queries_for(ResourceKind.AWS_LAMBDA, "checkout-fn")[Signal.ERROR_RATE]
    assert default.divide_by is not None
    # WHEN its dimensions are narrowed to an alias, the metric named again
    dimensions = {"FunctionName": "checkout-fn", "Resource": "checkout-fn:live"}
    changed = override(ResourceKind.AWS_LAMBDA, default, metric="Errors", dimensions=dimensions)
    # THEN it is still divided by the invocations, of that alias (it was the errors × 100, in %)
    assert changed.divide_by is not None
    assert changed.divide_by.metric == default.divide_by.metric == "Invocations"
    assert changed.divide_by.dimensions == dimensions
    assert changed.scale == 100.0


def test_a_cloud_run_error_rate_keeps_its_denominator_free_of_the_5xx_filter() -> None:
    # GIVEN Cloud Run's error rate: 5xx requests over every request
    default = queries_for(ResourceKind.GCP_CLOUD_RUN, "shop-prod/europe-west1/checkout")[
        Signal.ERROR_RATE
    ]
    assert default.divide_by is not None
    # WHEN its dimensions are given again, with one more label
    dimensions = {**default.dimensions, "resource.labels.revision_name": "checkout-00042"}
    changed = override(
        ResourceKind.GCP_CLOUD_RUN, default, metric="request_count", dimensions=dimensions
    )
    # THEN every request of that revision divides the 5xx of it, not the 5xx alone
    assert changed.divide_by is not None
    assert "metric.labels.response_code_class" not in changed.divide_by.dimensions
    assert changed.divide_by.dimensions == {
        **default.divide_by.dimensions,
        "resource.labels.revision_name": "checkout-00042",
    }


def test_a_report_says_when_latency_is_not_read_as_its_percentile() -> None:
    # Azure App Service has no percentile of its response time: its p50 is the average and its
    # p99 the maximum, which a report says (a tail regression reads in the maximum, a median
    # that did not move in the average)
    azure = service_of(ResourceKind.AZURE_RESOURCE, "/subscriptions/s/x", "shop")
    assert latency_read_as(azure) == (
        "p50 latency is the average of each period; p99 latency is the maximum of each period "
        "(no percentile is read)"
    )
    # a Lambda function's are its percentiles; a metrics file's columns are named by the team
    assert latency_read_as(service_of(ResourceKind.AWS_LAMBDA, "checkout-fn", "web")) == ""
    assert latency_read_as(service_of(ResourceKind.METRICS_FILE, "web.csv", "web")) == ""
