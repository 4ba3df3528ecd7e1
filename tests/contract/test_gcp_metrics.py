"""Cloud Monitoring as a MetricsSource, through the real MetricServiceClient and an in-process
gRPC server on 127.0.0.1 that plays Cloud Monitoring."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.cloud import monitoring_v3
from google.cloud.monitoring_v3.services.metric_service.transports import MetricServiceGrpcTransport

from shared.adapters.gcp.monitoring_metrics import CloudMonitoringMetricsSource
from shared.errors import UnavailableError
from shared.telemetry.limits import READ_TIMEOUT
from shared.telemetry.models import ResourceKind, Signal
from shared.telemetry.queries import override, signal_series
from tests.support import service_of

END = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
START = END - timedelta(minutes=3)
RESOURCE = "shop-prod/europe-west1/checkout"


def _points(values: list[float], *, integer: bool, skip: int = 0) -> list[monitoring_v3.Point]:
    points = []
    for i, value in enumerate(values, start=skip):
        at = START + timedelta(minutes=i + 1)
        typed = {"int64_value": int(value)} if integer else {"double_value": value}
        points.append(
            monitoring_v3.Point(
                interval=monitoring_v3.TimeInterval(end_time=at),
                value=monitoring_v3.TypedValue(**typed),
            )
        )
    return points


class FakeCloudMonitoring:
    """Answers ListTimeSeries by metric type, reducer and 5xx filter; the p99 answer is paged."""

    def __init__(self) -> None:
        self.requests: list[monitoring_v3.ListTimeSeriesRequest] = []
        self.deadlines: list[float | None] = []

    def list_time_series(
        self, request: monitoring_v3.ListTimeSeriesRequest, context: grpc.ServicerContext
    ) -> monitoring_v3.ListTimeSeriesResponse:
        self.requests.append(request)
        self.deadlines.append(context.time_remaining())
        reducer = request.aggregation.cross_series_reducer.name
        if "container/instance_count" in request.filter:  # a GAUGE
            if request.aggregation.per_series_aligner.name == "ALIGN_DELTA":
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "ALIGN_DELTA needs a DELTA metric")
            return _answer([2.0, 2.0, 9.0], integer=True)
        if "request_latencies" in request.filter:
            values = [120.0, 130.0, 300.0] if reducer.endswith("50") else [400.0, 420.0, 1600.0]
            if reducer.endswith("99") and not request.page_token:
                return monitoring_v3.ListTimeSeriesResponse(
                    time_series=[
                        monitoring_v3.TimeSeries(points=_points(values[:2], integer=False))
                    ],
                    next_page_token="page-2",
                )
            if reducer.endswith("99"):
                return monitoring_v3.ListTimeSeriesResponse(
                    time_series=[
                        monitoring_v3.TimeSeries(points=_points(values[2:], integer=False, skip=2))
                    ]
                )
            return _answer(values, integer=False)
        if "request_count" in request.filter:
            five_xx = 'response_code_class = "5xx"' in request.filter
            return _answer([2.0, 3.0, 40.0] if five_xx else [1000.0, 1000.0, 800.0], integer=True)
        return _answer([0.3, 0.31, 0.95], integer=False)


def _answer(values: list[float], *, integer: bool) -> monitoring_v3.ListTimeSeriesResponse:
    return monitoring_v3.ListTimeSeriesResponse(
        time_series=[monitoring_v3.TimeSeries(points=_points(values, integer=integer))]
    )


@pytest.fixture
def monitoring() -> Iterator[tuple[FakeCloudMonitoring, monitoring_v3.MetricServiceClient]]:
    fake = FakeCloudMonitoring()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handler: Any = grpc.method_handlers_generic_handler(
        "google.monitoring.v3.MetricService",
        {
            "ListTimeSeries": grpc.unary_unary_rpc_method_handler(
                lambda request, context: fake.list_time_series(request, context),  # noqa: PLW0108 (late binding)
                request_deserializer=monitoring_v3.ListTimeSeriesRequest.deserialize,
                response_serializer=monitoring_v3.ListTimeSeriesResponse.serialize,
            )
        },
    )
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    client = monitoring_v3.MetricServiceClient(
        transport=MetricServiceGrpcTransport(channel=channel)
    )
    yield fake, client
    channel.close()
    server.stop(None)


def test_every_signal_is_read_aligned_and_reduced_through_the_real_client(
    monitoring: tuple[FakeCloudMonitoring, monitoring_v3.MetricServiceClient],
) -> None:
    fake, client = monitoring
    source = CloudMonitoringMetricsSource(client=client)
    service = service_of(ResourceKind.GCP_CLOUD_RUN, RESOURCE, "checkout")
    series = signal_series(source, service, start=START, end=END, step=60)
    # the requests name the project, filter on the service and align server-side
    first = fake.requests[0]
    assert first.name == "projects/shop-prod"
    assert 'resource.labels.service_name = "checkout"' in first.filter
    assert 'resource.labels.location = "europe-west1"' in first.filter
    assert first.aggregation.alignment_period.seconds == 60
    assert first.aggregation.per_series_aligner.name == "ALIGN_DELTA"
    reducers = {r.aggregation.cross_series_reducer.name for r in fake.requests}
    assert reducers == {"REDUCE_PERCENTILE_50", "REDUCE_PERCENTILE_99", "REDUCE_SUM"}
    # the values come back per signal, the paged p99 whole, the error rate divided
    assert [v for _, v in series[Signal.P99_LATENCY]] == [400.0, 420.0, 1600.0]
    assert [v for _, v in series[Signal.P50_LATENCY]] == [120.0, 130.0, 300.0]
    assert [round(v, 1) for _, v in series[Signal.ERROR_RATE]] == [0.2, 0.3, 5.0]
    assert [round(v) for _, v in series[Signal.SATURATION]] == [30, 31, 95]
    # one call per distinct query (Cloud Monitoring has no batch of metric types); traffic and
    # the error rate's denominator are the same query, read once
    assert source.calls == 5
    assert len(fake.requests) == 6  # and one more page


def test_a_refusal_from_cloud_monitoring_is_an_error_not_a_hang(
    monitoring: tuple[FakeCloudMonitoring, monitoring_v3.MetricServiceClient],
) -> None:
    fake, client = monitoring

    def deny(request: Any, context: grpc.ServicerContext) -> None:
        context.abort(grpc.StatusCode.PERMISSION_DENIED, "monitoring.timeSeries.list denied")

    fake.list_time_series = deny  # type: ignore[method-assign,assignment]
    service = service_of(ResourceKind.GCP_CLOUD_RUN, RESOURCE, "checkout")
    # said as what the person asking can act on, not an internal error
    with pytest.raises(UnavailableError, match=r"needs roles/monitoring\.viewer"):
        signal_series(
            CloudMonitoringMetricsSource(client=client), service, start=START, end=END, step=60
        )


def test_every_call_carries_a_deadline_and_a_row_cap(
    monitoring: tuple[FakeCloudMonitoring, monitoring_v3.MetricServiceClient],
) -> None:
    fake, client = monitoring
    service = service_of(ResourceKind.GCP_CLOUD_RUN, RESOURCE, "checkout")
    signal_series(
        CloudMonitoringMetricsSource(client=client), service, start=START, end=END, step=60
    )
    # each call (each page) tells the server how long the client waits: never for ever
    assert all(d is not None and 0 < d <= READ_TIMEOUT + 1 for d in fake.deadlines), fake.deadlines
    # and a read that brings more points than the cap is refused, naming the cap
    capped = CloudMonitoringMetricsSource(client=client, max_points=2)
    with pytest.raises(UnavailableError, match="more than 2 points for one read"):
        signal_series(capped, service, start=START, end=END, step=60)


def _longer(fake: FakeCloudMonitoring, answers: dict[str, list[monitoring_v3.Point]]) -> None:
    """The fake answers each metric (by a word of its filter) with these points, over an hour."""

    def answer(request: Any, context: grpc.ServicerContext) -> Any:
        del context
        for word, points in answers.items():
            if word in request.filter:
                series = [monitoring_v3.TimeSeries(points=points)] if points else []
                return monitoring_v3.ListTimeSeriesResponse(time_series=series)
        return monitoring_v3.ListTimeSeriesResponse()

    fake.list_time_series = answer  # type: ignore[method-assign]


def _at(minutes: range, value: float, start: datetime) -> list[monitoring_v3.Point]:
    return [
        monitoring_v3.Point(
            interval=monitoring_v3.TimeInterval(end_time=start + timedelta(minutes=i)),
            value=monitoring_v3.TypedValue(int64_value=int(value)),
        )
        for i in minutes
    ]


def test_an_interval_cloud_monitoring_leaves_out_of_a_count_is_0_not_missing(
    monitoring: tuple[FakeCloudMonitoring, monitoring_v3.MetricServiceClient],
) -> None:
    # GIVEN an hour of Cloud Run requests that stopped for 9 minutes, and 5xx responses only in
    # the last 10 minutes (no point for an interval without one)
    fake, client = monitoring
    start = END - timedelta(hours=1)
    requests = _at(range(1, 20), 500, start) + _at(range(29, 61), 500, start)
    _longer(fake, {'"5xx"': _at(range(45, 55), 25, start), "request_count": requests})
    service = service_of(ResourceKind.GCP_CLOUD_RUN, RESOURCE, "checkout")
    series = signal_series(
        CloudMonitoringMetricsSource(client=client), service, start=start, end=END, step=60
    )
    traffic = dict(series[Signal.TRAFFIC])
    # THEN the 9 minutes are 0 requests (a hole there read steady) and the error rate is 0%
    # before the 5xx began, 5% in them
    assert [traffic[start + timedelta(minutes=i)] for i in range(20, 29)] == [0.0] * 9
    rates = dict(series[Signal.ERROR_RATE])
    assert rates[start + timedelta(minutes=40)] == 0.0
    assert rates[start + timedelta(minutes=50)] == 5.0


def test_a_distribution_or_an_incomplete_answer_is_refused_never_read_as_0(
    monitoring: tuple[FakeCloudMonitoring, monitoring_v3.MetricServiceClient],
) -> None:
    fake, client = monitoring
    spread = monitoring_v3.Point(
        interval=monitoring_v3.TimeInterval(end_time=END),
        value=monitoring_v3.TypedValue(distribution_value={"count": 3, "mean": 350.0}),
    )
    _longer(fake, {"request_latencies": [spread]})
    service = service_of(ResourceKind.GCP_CLOUD_RUN, RESOURCE, "checkout")
    source = CloudMonitoringMetricsSource(client=client)
    with pytest.raises(UnavailableError, match="distribution_value, not a number"):
        signal_series(source, service, start=START, end=END, step=60)

    def partial(request: Any, context: grpc.ServicerContext) -> Any:
        del request, context
        return monitoring_v3.ListTimeSeriesResponse(
            execution_errors=[{"code": 4, "message": "query deadline exceeded"}]
        )

    fake.list_time_series = partial  # type: ignore[method-assign]
    with pytest.raises(UnavailableError, match=r"may be incomplete \(query deadline exceeded"):
        signal_series(source, service, start=START, end=END, step=60)


def test_a_gauge_read_by_its_maximum_is_aligned_as_one(
    monitoring: tuple[FakeCloudMonitoring, monitoring_v3.MetricServiceClient],
) -> None:
    # GIVEN saturation pointed at Cloud Run's instance count, a GAUGE, by its maximum
    fake, client = monitoring
    source = CloudMonitoringMetricsSource(client=client)
    service = service_of(ResourceKind.GCP_CLOUD_RUN, RESOURCE, "checkout")
    default = service.queries[Signal.SATURATION]
    gauge = override(
        ResourceKind.GCP_CLOUD_RUN,
        default,
        metric="container/instance_count",
        statistic="Maximum",
        scale=1,
    )
    service = service.model_copy(update={"queries": {**service.queries, Signal.SATURATION: gauge}})
    # WHEN the signals are read
    series = signal_series(source, service, start=START, end=END, step=60)
    # THEN it is aligned by its maximum (ALIGN_DELTA, which Cloud Monitoring refuses on a gauge,
    # failed the whole read: every signal lost)
    (asked,) = [r for r in fake.requests if "instance_count" in r.filter]
    assert asked.aggregation.per_series_aligner.name == "ALIGN_MAX"
    assert [v for _, v in series[Signal.SATURATION]] == [2.0, 2.0, 9.0]
