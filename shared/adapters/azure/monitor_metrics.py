"""The MetricsSource port on Azure Monitor: every signal of a resource in one batch call (one per
metric namespace when a signal is overridden with another namespace).

Uses azure-monitor-querymetrics' `MetricsClient.query_resources` (the data-plane batch API):
one request per window for all of a resource's metrics and aggregations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from azure.core.exceptions import AzureError

from shared.adapters.azure.refusals import refused
from shared.errors import UnavailableError
from shared.telemetry import provider_calls
from shared.telemetry.limits import MAX_POINTS, READ_TIMEOUT, count_points
from shared.telemetry.models import Event, MetricQuery, Service
from shared.telemetry.omitted import COUNTS, with_zeros
from shared.telemetry.ports import Points
from shared.telemetry.queries import signal_values

AGGREGATION = {
    "Average": "average",
    "Maximum": "maximum",
    "Minimum": "minimum",
    "Total": "total",
    "Count": "count",
}


class AzureMonitorMetricsSource:
    """Queries Azure Monitor's regional metrics endpoint with a token credential."""

    def __init__(
        self, *, region: str = "eastus", client: Any = None, max_points: int = MAX_POINTS
    ) -> None:
        self._region = region
        self._given = client
        self._max_points = max_points
        self.calls = 0

    @cached_property
    def _client(self) -> Any:
        """The client given, or one made at first use with DefaultAzureCredential."""
        if self._given is not None:
            return self._given
        from azure.identity import DefaultAzureCredential
        from azure.monitor.querymetrics import MetricsClient

        endpoint = f"https://{self._region}.metrics.monitor.azure.com"
        return MetricsClient(endpoint, DefaultAzureCredential())

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """One batch call per resource and metric namespace (one per service, unless a signal is
        overridden into another namespace)."""
        series: dict[tuple[str, str, str, str, str], Points] = {}
        groups: dict[tuple[str, str, str], list[MetricQuery]] = {}
        for part in _parts(queries):
            groups.setdefault(_group(part), []).append(part)
        for (resource, namespace, only), parts in sorted(groups.items()):
            self.calls += 1
            provider_calls.made(by=self)
            try:
                results = self._client.query_resources(
                    resource_ids=[resource],
                    metric_namespace=namespace,
                    metric_names=sorted({q.metric for q in parts}),
                    timespan=(start, end),
                    granularity=timedelta(seconds=step),
                    aggregations=sorted({q.statistic for q in parts}),
                    filter=only or None,
                    connection_timeout=5,
                    read_timeout=READ_TIMEOUT,
                )
            except AzureError as error:
                raise _refused(error) from error
            series.update(
                {
                    (resource, only, *key): points
                    for key, points in _read(namespace, results).items()
                }
            )
            count_points(
                sum(map(len, series.values())), limit=self._max_points, provider="Azure Monitor"
            )

        def points(q: MetricQuery) -> Points:
            resource, namespace, only = _group(q)
            found = series.get((resource, only, namespace, q.metric, q.statistic), [])
            if q.statistic in COUNTS:  # a minute with nothing emitted has no value, not 0
                return with_zeros(found, start=start, end=end, step=step, stamped_at_start=True)
            return found

        return [signal_values(query, points) for query in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        del service, start, end  # deploys come from the platform's own records
        return []


_HINTS = {
    403: ": the deployment's identity needs the Monitoring Reader role on the resource",
    404: ": no such resource or metric (check `sre service show`)",
}


def _refused(error: AzureError) -> UnavailableError:
    return refused(error, service="Azure Monitor", reading="the metrics", hints=_HINTS)


def _read(namespace: str, results: Any) -> dict[tuple[str, str, str], Points]:
    """(namespace, metric, aggregation) -> points, from the batch API's results."""
    series: dict[tuple[str, str, str], Points] = {}
    for result in results:
        for metric in result.metrics:
            for aggregation, attribute in AGGREGATION.items():
                points = [
                    (value.timestamp, getattr(value, attribute))
                    for element in metric.timeseries
                    for value in element.data
                ]
                series[(namespace, metric.name, aggregation)] = [
                    (t, v) for t, v in points if v is not None
                ]
    return series


def _group(query: MetricQuery) -> tuple[str, str, str]:
    """The call a query is read in: its resource, its namespace, and the filter of its other
    dimensions (`Instance eq 'pd0-abc'`: one instance, not the whole app)."""
    resource = query.dimensions.get("resource")
    if not resource:
        raise UnavailableError(
            f"The signal read from `{query.metric}` names no resource: set its dimensions with "
            "resource=<the resource id> (`sre service signal set`)."
        )
    others = sorted((k, v) for k, v in query.dimensions.items() if k != "resource")
    quoted = (v.replace("'", "''") for _, v in others)
    return (
        resource,
        query.namespace,
        " and ".join(f"{k} eq '{v}'" for (k, _), v in zip(others, quoted, strict=True)),
    )


def _parts(queries: Any) -> Sequence[MetricQuery]:
    parts: list[MetricQuery] = []
    for query in queries:
        parts += query.parts
    return parts
