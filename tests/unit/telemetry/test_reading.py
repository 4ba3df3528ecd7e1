"""The window read with its baseline: a signal short of points in the 4 h before is read further
back, alone; a failing read further back leaves the hours read as they were."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.errors import UnavailableError
from shared.telemetry.models import Event, MetricQuery, ResourceKind, Service, Signal
from shared.telemetry.ports import Points
from shared.telemetry.reading import with_baseline
from tests.support import service_of
from tests.support.series import T0

START = T0 + timedelta(days=2)
END = START + timedelta(hours=2)


class Provider:
    """A provider's two metrics (a test double of the MetricsSource port): traffic every minute,
    p99 once an hour (a function invoked hourly); each read recorded, every one after the first
    refused when `refusing` (throttled)."""

    def __init__(self, *, refusing: bool = False) -> None:
        self.reads: list[tuple[list[str], datetime]] = []
        self._refusing = refusing

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        self.reads.append(([q.metric for q in queries], start))
        if self._refusing and len(self.reads) > 1:
            raise UnavailableError("throttled")
        minutes = range(
            int((start - T0).total_seconds() // 60), int((end - T0).total_seconds() // 60)
        )
        every = {"traffic": 1, "p99_latency": 60}
        return [
            [(T0 + timedelta(minutes=m), 100.0) for m in minutes if m % every[q.metric] == 0]
            for q in queries
        ]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        del service, start, end
        return []


def _service() -> Service:
    web = service_of(ResourceKind.SAMPLE, "checkout", "web")
    keep = (Signal.TRAFFIC, Signal.P99_LATENCY)
    return web.model_copy(update={"queries": {s: web.queries[s] for s in keep}})


def test_only_the_signal_short_of_points_is_read_further_back() -> None:
    provider = Provider()
    series = with_baseline(
        provider, _service(), start=START, end=END, hours=timedelta(hours=4), step=60, now=END
    )
    # THEN one more read, of p99 alone, from 3 days before the window
    assert provider.reads[1] == (["p99_latency"], START - timedelta(days=3))
    assert len(provider.reads) == 2
    # AND p99 has its points from then, traffic only the 4 hours it was read for
    assert series[Signal.P99_LATENCY][0][0] == START - timedelta(days=3)
    assert series[Signal.TRAFFIC][0][0] == START - timedelta(hours=4)


def test_a_refused_read_further_back_leaves_the_hours_read() -> None:
    provider = Provider(refusing=True)
    series = with_baseline(
        provider, _service(), start=START, end=END, hours=timedelta(hours=4), step=60, now=END
    )
    # THEN the window is still read, p99 with the 4 points of its hours (a borrowed baseline)
    assert len(provider.reads) == 2
    assert series[Signal.P99_LATENCY][0][0] == START - timedelta(hours=4)
