"""The MetricsSource port on CloudWatch: every signal of a service in one GetMetricData call.

Rates (errors / invocations) are fetched as their two series and divided here, point by point,
so the same queries work on every CloudWatch (and on moto, which has no metric math).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from shared.telemetry import provider_calls
from shared.telemetry.limits import MAX_POINTS, READ_TIMEOUT, count_points
from shared.telemetry.models import Event, MetricQuery, Service
from shared.telemetry.ports import Points
from shared.telemetry.queries import signal_values

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

MAX_QUERIES = 500
"""GetMetricData's limit per call."""
TIMEOUTS = Config(
    connect_timeout=5,
    read_timeout=READ_TIMEOUT,
    retries={"mode": "standard", "total_max_attempts": 3},
)
"""No GetMetricData call waits on CloudWatch for ever (botocore's default read timeout is 60 s)."""


def _stat(query: MetricQuery, step: int) -> dict[str, Any]:
    return {
        "Metric": {
            "Namespace": query.namespace,
            "MetricName": query.metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in query.dimensions.items()],
        },
        "Period": step,
        "Stat": query.statistic,
    }


class CloudWatchMetricsSource:
    """Batches every query of a window into GetMetricData calls of at most 500 queries."""

    def __init__(
        self, *, client: CloudWatchClient | None = None, max_points: int = MAX_POINTS
    ) -> None:
        self._given = client
        self._max_points = max_points
        self.calls = 0

    @cached_property
    def _client(self) -> CloudWatchClient:
        """The client given, or one made at first use."""
        return self._given or boto3.client("cloudwatch", config=TIMEOUTS)

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        unique: dict[str, MetricQuery] = {}
        for query in queries:
            for part in (query, query.divide_by):
                if part is not None:
                    unique.setdefault(_key(part), part)
        ids = {key: f"q{i}" for i, key in enumerate(unique)}
        data = self._get(
            [
                {"Id": ids[k], "MetricStat": _stat(q, step), "ReturnData": True}
                for k, q in unique.items()
            ],
            start,
            end,
        )
        return [signal_values(query, lambda q: data.get(ids[_key(q)], [])) for query in queries]

    def _get(
        self, queries: list[dict[str, Any]], start: datetime, end: datetime
    ) -> dict[str, Points]:
        found: dict[str, Points] = {}
        for batch in range(0, len(queries), MAX_QUERIES):
            token: dict[str, Any] = {}
            asked = queries[batch : batch + MAX_QUERIES]
            while True:
                self.calls += 1
                provider_calls.made(by=self, metrics=len(asked))  # billed per metric requested
                request: dict[str, Any] = {
                    "MetricDataQueries": asked,
                    "StartTime": start,
                    "EndTime": end,
                    "ScanBy": "TimestampAscending",
                    **token,
                }
                page = self._client.get_metric_data(**request)
                for result in page["MetricDataResults"]:
                    pairs = zip(result["Timestamps"], result["Values"], strict=False)
                    found.setdefault(result["Id"], []).extend(pairs)
                count_points(
                    sum(map(len, found.values())), limit=self._max_points, provider="CloudWatch"
                )
                if not page.get("NextToken"):
                    break
                token = {"NextToken": page["NextToken"]}
        return {k: sorted(v) for k, v in found.items()}

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        del service, start, end  # deploys come from the platform's own records, not CloudWatch
        return []


def _key(query: MetricQuery) -> str:
    """One query's identity, whichever signal asks for it (the divisor of a rate is shared)."""
    return query.model_dump_json(exclude={"signal", "divide_by", "scale"})
