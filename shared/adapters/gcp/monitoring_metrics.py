"""The MetricsSource port on GCP Cloud Monitoring (`MetricServiceClient.list_time_series`).

Cloud Monitoring has no batch of different metric types in one ListTimeSeries call, so a service
costs one call (plus pages) per signal query; each call aligns and reduces server-side.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from shared.telemetry import provider_calls
from shared.telemetry.limits import MAX_POINTS, READ_TIMEOUT, count_points
from shared.telemetry.models import Event, MetricQuery, Service
from shared.telemetry.ports import Points
from shared.telemetry.queries import signal_values

REDUCERS = {
    "p50": "REDUCE_PERCENTILE_50",
    "p99": "REDUCE_PERCENTILE_99",
    "Sum": "REDUCE_SUM",
    "Average": "REDUCE_MEAN",
    "Maximum": "REDUCE_MAX",
}


def cloud_run_filter(query: MetricQuery) -> str:
    """The ListTimeSeries filter of a query: its metric type and its resource and metric labels."""
    terms = [f'metric.type = "{query.namespace}"', 'resource.type = "cloud_run_revision"']
    terms += [f'{key} = "{value}"' for key, value in sorted(query.dimensions.items())]
    return " AND ".join(terms)


class CloudMonitoringMetricsSource:
    """One aligned and reduced ListTimeSeries call per signal query, all pages read."""

    def __init__(self, *, client: Any = None, max_points: int = MAX_POINTS) -> None:
        self._given = client
        self._max_points = max_points
        self.calls = 0

    @cached_property
    def _client(self) -> Any:
        """The client given, or one made at first use (application default credentials)."""
        if self._given is not None:
            return self._given
        from google.cloud import monitoring_v3

        return monitoring_v3.MetricServiceClient()

    def _series(
        self, project: str, query: MetricQuery, start: datetime, end: datetime, step: int
    ) -> Points:
        from google.cloud import monitoring_v3

        request = monitoring_v3.ListTimeSeriesRequest(
            name=f"projects/{project}",
            filter=cloud_run_filter(query),
            interval=monitoring_v3.TimeInterval(start_time=start, end_time=end),
            aggregation=monitoring_v3.Aggregation(
                alignment_period={"seconds": step},
                per_series_aligner=monitoring_v3.Aggregation.Aligner.ALIGN_DELTA,
                cross_series_reducer=getattr(
                    monitoring_v3.Aggregation.Reducer, REDUCERS[query.statistic]
                ),
            ),
            view=monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.FULL,
        )
        self.calls += 1
        provider_calls.made(by=self)
        points: Points = []
        pages = self._client.list_time_series(request=request, timeout=READ_TIMEOUT)
        for series in pages:  # each page is fetched as it iterates, each within the timeout
            for point in series.points:
                value = point.value.double_value or float(point.value.int64_value)
                points.append((point.interval.end_time, value))
            count_points(len(points), limit=self._max_points, provider="Cloud Monitoring")
        return sorted(points)

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """One call per distinct query part (Cloud Monitoring has no multi-metric call)."""
        cache: dict[str, Points] = {}

        def series(query: MetricQuery) -> Points:
            key = query.model_dump_json(exclude={"signal", "divide_by", "scale"})
            if key not in cache:
                project = query.dimensions["resource.labels.project_id"]
                cache[key] = self._series(project, query, start, end, step)
            return cache[key]

        return [signal_values(query, series) for query in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        del service, start, end  # deploys come from the platform's own records
        return []
