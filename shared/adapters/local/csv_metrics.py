"""Metrics from a CSV file (`--metrics-file`): exported data and post-mortems.

The file has a `timestamp` column and one column per signal it knows (`p99_latency`,
`error_rate`, ...); an optional `event` column names what happened at that time (e.g. a deploy).
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from shared.investigations.models import Event, Service, Signal
from shared.ports import Points


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class CsvMetricsSource:
    """Reads the service's file (its resource) and keeps the rows inside the window."""

    def __init__(self) -> None:
        self.calls = 0

    def _rows(self, service: Service) -> list[dict[str, str]]:
        with Path(service.resource).open(newline="") as handle:
            return list(csv.DictReader(handle))

    def fetch(
        self, service: Service, *, start: datetime, end: datetime, step: int
    ) -> dict[Signal, Points]:
        del step  # the file's own step is kept
        self.calls += 1
        series: dict[Signal, Points] = {}
        for row in self._rows(service):
            at = _time(row["timestamp"])
            if not start <= at <= end:
                continue
            for signal in Signal:
                if row.get(signal.value, "").strip():
                    series.setdefault(signal, []).append((at, float(row[signal.value])))
        return series

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        return [
            Event(time=at, kind="event", summary=row["event"].strip())
            for row in self._rows(service)
            if row.get("event", "").strip() and start <= (at := _time(row["timestamp"])) <= end
        ]
