"""Where metrics, events and logs come from: CloudWatch, Azure Monitor, Cloud Monitoring, a
sample, a file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from shared.telemetry.models import Event, LogEvidence, MetricQuery, Service

Points = list[tuple[datetime, float]]
"""A metric series: (time, value) pairs in time order."""


class MetricsSource(Protocol):
    """A provider's metrics: CloudWatch, Azure Monitor, Cloud Monitoring, a sample, a file."""

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """Each query's points (rates divided, scaled), whatever services they belong to, in as
        few calls as the provider allows (the alert scheduler's batched read)."""

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        """What the provider knows happened to the service in that time (deploys, for instance)."""


class LogSource(Protocol):
    """A provider's logs of a service (Azure Log Analytics), as evidence for an investigation."""

    def evidence(
        self, service: Service, *, baseline_start: datetime, start: datetime, end: datetime
    ) -> list[LogEvidence]:
        """The failures and error lines of `start`..`end`, most frequent first, each with its
        count since `baseline_start` before the window; in one batched call where it can."""
