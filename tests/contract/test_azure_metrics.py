"""Azure Monitor as a MetricsSource, through the real MetricsClient with a fake HTTP transport."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from shared.adapters.azure.monitor_metrics import AzureMonitorMetricsSource
from shared.errors import UnavailableError
from shared.telemetry.limits import READ_TIMEOUT
from shared.telemetry.models import ResourceKind, Signal
from shared.telemetry.queries import override, signal_series
from tests.support import service_of
from tests.support.azure import END, SITE, START, batch, metrics_source, series_of


def test_every_signal_comes_from_one_batch_request_through_the_real_client() -> None:
    adapter, source = metrics_source()
    service = service_of(ResourceKind.AZURE_RESOURCE, SITE, "checkout")
    series = signal_series(source, service, start=START, end=END, step=60)
    # ONE request: POST …/subscriptions/<id>/metrics:getBatch with every metric and aggregation
    (request,) = adapter.seen
    url = urlparse(request.url or "")
    query = parse_qs(url.query)
    assert request.method == "POST"
    assert url.path == "/subscriptions/00000000-1111-2222-3333-444444444444/metrics:getBatch"
    assert query["metricnamespace"] == ["Microsoft.Web/sites"]
    assert set(query["metricnames"][0].split(",")) == {
        "CpuTime",
        "Http5xx",
        "HttpResponseTime",
        "Requests",
    }
    assert set(query["aggregation"][0].split(",")) == {"Average", "Maximum", "Total"}
    assert json.loads(request.body or b"{}") == {"resourceids": [SITE]}
    assert request.headers["Authorization"] == "Bearer fake-token"
    # the signals are read back per aggregation, rates divided, seconds made milliseconds
    assert [round(v, 1) for _, v in series[Signal.ERROR_RATE]] == [0.2, 0.3, 5.0]
    assert [v for _, v in series[Signal.P99_LATENCY]] == [400.0, 400.0, 1600.0]
    assert [v for _, v in series[Signal.P50_LATENCY]] == [120.0, 120.0, 300.0]
    assert [v for _, v in series[Signal.TRAFFIC]] == [1000.0, 1000.0, 800.0]
    assert source.calls == 1


def test_a_signal_overridden_into_another_namespace_costs_one_more_call() -> None:
    adapter, source = metrics_source()
    service = service_of(ResourceKind.AZURE_RESOURCE, SITE, "checkout")
    saturation = override(
        ResourceKind.AZURE_RESOURCE,
        service.queries[Signal.SATURATION],
        namespace="Microsoft.Web/serverfarms",
        metric="CpuPercentage",
        statistic="Maximum",
    )
    service = service.model_copy(
        update={"queries": {**service.queries, Signal.SATURATION: saturation}}
    )
    signal_series(source, service, start=START, end=END, step=60)
    namespaces = [parse_qs(urlparse(r.url or "").query)["metricnamespace"] for r in adapter.seen]
    assert namespaces == [["Microsoft.Web/serverfarms"], ["Microsoft.Web/sites"]]
    assert source.calls == 2


def test_a_read_waits_a_bounded_time_and_brings_a_bounded_number_of_points() -> None:
    adapter, source = metrics_source()
    service = service_of(ResourceKind.AZURE_RESOURCE, SITE, "checkout")
    signal_series(source, service, start=START, end=END, step=60)
    assert adapter.timeouts == [(5, READ_TIMEOUT)]  # connect, read: never azure-core's 300 s
    capped = AzureMonitorMetricsSource(client=source._client, max_points=5)
    with pytest.raises(UnavailableError, match="Azure Monitor returned more than 5 points"):
        signal_series(capped, service, start=START, end=END, step=60)


def test_a_signal_read_from_one_instance_asks_azure_for_that_instance_only() -> None:
    adapter, source = metrics_source()
    service = service_of(ResourceKind.AZURE_RESOURCE, SITE, "checkout")
    # GIVEN saturation read from one instance of the app (a dimension beside the resource)
    saturation = override(
        ResourceKind.AZURE_RESOURCE,
        service.queries[Signal.SATURATION],
        metric="CpuTime",
        dimensions={"resource": SITE, "Instance": "pd0-abc"},
    )
    service = service.model_copy(
        update={"queries": {**service.queries, Signal.SATURATION: saturation}}
    )
    signal_series(source, service, start=START, end=END, step=60)
    # THEN that read carries the filter (before, the whole app was read), the others none
    filters = sorted(
        parse_qs(urlparse(r.url or "").query).get("filter", [""])[0] for r in adapter.seen
    )
    assert filters == ["", "Instance eq 'pd0-abc'"]


def test_an_override_that_drops_the_resource_is_refused() -> None:
    service = service_of(ResourceKind.AZURE_RESOURCE, SITE, "checkout")
    with pytest.raises(ValueError, match="must still say which resource is read: add resource="):
        override(
            ResourceKind.AZURE_RESOURCE,
            service.queries[Signal.SATURATION],
            metric="CpuTime",
            dimensions={"Instance": "pd0-abc"},
        )


def test_a_minute_with_no_error_emitted_is_zero_errors_not_a_missing_minute() -> None:
    # GIVEN 20 minutes of 1,000 requests each, and Http5xx given a value only in its last 10
    # (Azure gives a minute with nothing emitted no `total`, unless the metric fills gaps)
    start = END - timedelta(minutes=20)
    quiet: list[dict[str, float]] = [{} for _ in range(10)]
    body = batch(
        start,
        [
            series_of("Requests", [{"total": 1000.0}] * 20, start),
            series_of("Http5xx", [*quiet, *[{"total": 20.0}] * 10], start),
            series_of("HttpResponseTime", [{"average": 0.1, "maximum": 0.4}] * 20, start),
            series_of("CpuTime", [{"total": 30.0}] * 20, start),
        ],
    )
    _, source = metrics_source(body)
    service = service_of(ResourceKind.AZURE_RESOURCE, SITE, "checkout")
    # WHEN the error rate is read
    series = signal_series(source, service, start=start, end=END, step=60)
    # THEN the quiet minutes are 0% and the rest 2%: 0% → 2% (read as the bad minutes alone,
    # it was 2% throughout, "no significant change")
    assert [v for _, v in series[Signal.ERROR_RATE]] == [0.0] * 10 + [2.0] * 10


@pytest.mark.parametrize(
    ("status", "code", "said"),
    [
        (429, "TooManyRequests", "(429 TooManyRequests): try again in a minute."),
        (
            403,
            "AuthorizationFailed",
            "(403 AuthorizationFailed): the deployment's identity needs the Monitoring Reader "
            "role on the resource.",
        ),
    ],
)
def test_a_refusal_says_why_and_what_to_do_never_an_internal_error(
    status: int, code: str, said: str
) -> None:
    # GIVEN Azure Monitor refusing the batch read
    _, source = metrics_source({"error": {"code": code, "message": "refused"}}, status)
    service = service_of(ResourceKind.AZURE_RESOURCE, SITE, "checkout")
    # WHEN the signals are read THEN the refusal is said, as CloudWatch's and Cloud Monitoring's
    # are (it was an HttpResponseError: "Internal error" in the channel)
    with pytest.raises(UnavailableError) as refused:
        signal_series(source, service, start=START, end=END, step=60)
    assert str(refused.value) == f"Azure Monitor refused to read the metrics {said}"
