"""The MetricsSource port on GCP Cloud Monitoring (`MetricServiceClient.list_time_series`).

Cloud Monitoring has no batch of different metric types in one ListTimeSeries call, so a service
costs one call (plus pages) per signal query; each call aligns and reduces server-side.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from google.api_core.exceptions import GoogleAPICallError, PermissionDenied, RetryError

from shared.errors import UnavailableError
from shared.telemetry import provider_calls
from shared.telemetry.limits import MAX_POINTS, READ_TIMEOUT, count_points
from shared.telemetry.models import Event, MetricQuery, Service
from shared.telemetry.omitted import COUNTS, with_zeros
from shared.telemetry.ports import Points
from shared.telemetry.queries import signal_values

REDUCERS = {
    "p50": "REDUCE_PERCENTILE_50",
    "p99": "REDUCE_PERCENTILE_99",
    "Sum": "REDUCE_SUM",
    "Average": "REDUCE_MEAN",
    "Maximum": "REDUCE_MAX",
}
ALIGNERS = {
    "p50": "ALIGN_DELTA",
    "p99": "ALIGN_DELTA",
    "Sum": "ALIGN_DELTA",
    "Average": "ALIGN_MEAN",
    "Maximum": "ALIGN_MAX",
}
"""Each statistic's per-series aligner: a count or a distribution (latencies) is summed over each
period (DELTA); a mean or a maximum is taken as such, which a GAUGE metric (Cloud Run's
`container/instance_count`) needs: Cloud Monitoring refuses ALIGN_DELTA on a gauge."""


def _point(point: Any, query: MetricQuery) -> tuple[datetime, float]:
    """A point's time and number; UnavailableError for a distribution (its mean, count or
    buckets are no number here: a percentile statistic reads a latency)."""
    kind = type(point.value).pb(point.value).WhichOneof("value")
    if kind not in ("double_value", "int64_value"):
        raise UnavailableError(
            f"Cloud Monitoring answered `{query.namespace}` with {kind or 'no value'}, not a "
            f"number: with statistic {query.statistic} it cannot be read (use p50 or p99)."
        )
    value = point.value.double_value if kind == "double_value" else point.value.int64_value
    return point.interval.end_time, float(value)


def _complete(page: Any, query: MetricQuery) -> None:
    """UnavailableError when Cloud Monitoring says its answer may be incomplete."""
    if page.execution_errors:
        said = "; ".join(e.message for e in page.execution_errors)[:200]
        raise UnavailableError(
            f"Cloud Monitoring's answer for `{query.namespace}` may be incomplete ({said})."
        )


def _refused(error: Exception) -> UnavailableError:
    """Cloud Monitoring's refusal as what the person asking can act on."""
    if isinstance(error, PermissionDenied):
        return UnavailableError(
            "Cloud Monitoring refused to read the metrics (permission denied): the deployment's "
            "service account needs roles/monitoring.viewer on the project."
        )
    name = getattr(error, "grpc_status_code", None) or type(error).__name__
    return UnavailableError(f"Cloud Monitoring could not read the metrics ({name}).")


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
                per_series_aligner=getattr(
                    monitoring_v3.Aggregation.Aligner, ALIGNERS[query.statistic]
                ),
                cross_series_reducer=getattr(
                    monitoring_v3.Aggregation.Reducer, REDUCERS[query.statistic]
                ),
            ),
            view=monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.FULL,
        )
        self.calls += 1
        provider_calls.made(by=self)
        points: Points = []
        try:
            pages = self._client.list_time_series(request=request, timeout=READ_TIMEOUT)
            for page in pages.pages:  # each fetched as it iterates, each within the timeout
                _complete(page, query)
                points += [_point(point, query) for s in page.time_series for point in s.points]
                count_points(len(points), limit=self._max_points, provider="Cloud Monitoring")
        except (GoogleAPICallError, RetryError) as error:
            raise _refused(error) from error
        if query.statistic in COUNTS:  # an interval with nothing in it is left out, not 0
            first = start + timedelta(seconds=step)  # a point is stamped with its interval's end
            return with_zeros(
                sorted(points), start=first, end=end, step=step, stamped_at_start=False
            )
        return sorted(points)

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """One call per distinct query part (Cloud Monitoring has no multi-metric call)."""
        cache: dict[str, Points] = {}

        def series(query: MetricQuery) -> Points:
            key = query.model_dump_json(exclude={"signal", "plus", "divide_by", "scale"})
            if key not in cache:
                project = query.dimensions["resource.labels.project_id"]
                cache[key] = self._series(project, query, start, end, step)
            return cache[key]

        return [signal_values(query, series) for query in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        del service, start, end  # deploys come from the platform's own records
        return []
