"""Metrics from a CSV file (`--metrics-file`): exported data and post-mortems.

The file has a `timestamp` column and one column per signal it knows (`p99_latency`,
`error_rate`, ...); an optional `event` column names what happened at that time (e.g. a deploy).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from shared.investigations.models import Event, MetricQuery, Service
from shared.ports import Points


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class CsvMetricsSource:
    """Reads the service's file (its resource) and keeps the rows inside the window."""

    def __init__(self) -> None:
        self.calls = 0

    def _rows(self, path: str) -> list[dict[str, str]]:
        with Path(path).open(newline="") as handle:
            return list(csv.DictReader(handle))

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """Each query's column (its metric) of its file (its namespace), inside the window."""
        del step  # the file's own step is kept
        files: dict[str, list[dict[str, str]]] = {}
        found: list[Points] = []
        for query in queries:
            if query.namespace not in files:
                self.calls += 1
                files[query.namespace] = self._rows(query.namespace)
            found.append(
                [
                    (at, float(row[query.metric]))
                    for row in files[query.namespace]
                    if row.get(query.metric, "").strip()
                    and start <= (at := _time(row["timestamp"])) <= end
                ]
            )
        return found

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        return [
            Event(time=at, kind="event", summary=row["event"].strip())
            for row in self._rows(service.resource)
            if row.get("event", "").strip() and start <= (at := _time(row["timestamp"])) <= end
        ]
