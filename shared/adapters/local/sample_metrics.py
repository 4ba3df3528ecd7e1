"""Bundled sample telemetry: a checkout service with a realistic incident, the same every time.

Forty minutes before "now" version v42 is deployed. Two minutes later the database's CPU
saturates, a minute after that p99 latency climbs to about four times its baseline, and a minute
after that the error rate rises from 0.2% to about 3.5%; traffic does not change. Every point is a
pure function of its timestamp, so a re-run shows the same incident.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.ports import Clock
from shared.telemetry import provider_calls
from shared.telemetry.limits import MAX_POINTS, count_points
from shared.telemetry.models import Event, MetricQuery, Service, Signal
from shared.telemetry.ports import Points

DEPLOY_BEFORE_END = timedelta(minutes=40)
SCENARIOS = ("checkout",)


def deploy_time(end: datetime) -> datetime:
    """When the sample's deploy happened, for a window ending at `end`."""
    return (end - DEPLOY_BEFORE_END).replace(second=0, microsecond=0)


def _value(signal: Signal, at: datetime, deploy: datetime) -> float:
    minutes = (at - deploy).total_seconds() / 60
    rng = random.Random(f"{signal.value}:{int(at.timestamp()) // 60}")  # noqa: S311 (noise)
    daily = math.sin(2 * math.pi * (at.hour * 60 + at.minute) / 1440)
    if signal is Signal.TRAFFIC:
        return round(1200 + 150 * daily + rng.gauss(0, 25))
    if signal is Signal.SATURATION:
        return min(99.0, (96.0 if minutes >= 2 else 35.0 + 3 * daily) + rng.gauss(0, 1.5))
    if signal is Signal.P50_LATENCY:
        return (180.0 if minutes >= 3 else 120.0) + rng.gauss(0, 6)
    if signal is Signal.P99_LATENCY:
        return (1560.0 if minutes >= 3 else 380.0) * (1 + rng.gauss(0, 0.04))
    return max(0.0, (3.5 if minutes >= 4 else 0.2) + rng.gauss(0, 0.05))


class SampleMetricsSource:
    """The MetricsSource port over the bundled scenario (`--sample checkout`)."""

    def __init__(self, *, clock: Clock | None = None, max_points: int = MAX_POINTS) -> None:
        self._clock = clock
        self._max_points = max_points
        self.calls = 0

    def _anchor(self, end: datetime) -> datetime:
        """The incident is 40 minutes before now (before the window's end, without a clock)."""
        return deploy_time(self._clock.now() if self._clock else end)

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        self.calls += 1
        provider_calls.made(by=self)
        deploy = self._anchor(end)
        count = int((end - start).total_seconds() // step)
        count_points(count * len(queries), limit=self._max_points, provider="The sample")
        times = [start + timedelta(seconds=step * i) for i in range(count + 1)]
        # a signal may be pointed at another of the scenario's columns (`sre service signal set`)
        return [[(t, _value(Signal(q.metric), t, deploy)) for t in times] for q in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        deploy = self._anchor(end)
        if not start <= deploy <= end:
            return []
        return [Event(time=deploy, kind="deploy", summary=f"deploy v42 of {service.name}")]
