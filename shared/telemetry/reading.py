"""A window's series, read with the baseline before it: the hours before the window and, when
they hold too few points of a signal (a metrics file at an hourly step, an exporter that was
down), up to LOOKBACK before it, so that signal is judged against its last points before the
window rather than against the window's own first points (which may be the change)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from shared.errors import SreError
from shared.telemetry.baseline import NEEDED
from shared.telemetry.limits import kept_since, read_within
from shared.telemetry.models import Service, Signal
from shared.telemetry.ports import MetricsSource, Points
from shared.telemetry.queries import signal_series

log = logging.getLogger("autosre.telemetry")

LOOKBACK = timedelta(days=3)
"""How far before the window a read goes for a baseline the hours before it cannot give:
twenty points of a metrics file written every 3 hours."""


def with_baseline(
    source: MetricsSource,
    service: Service,
    *,
    start: datetime,
    end: datetime,
    hours: timedelta,
    step: int,
    now: datetime,
) -> dict[Signal, Points]:
    """Every signal of `service` with data from `hours` before `start` to `end`; a signal with
    fewer than NEEDED points in those hours also with the points before them, back to LOOKBACK
    (or as far as the provider keeps): one more read, of those signals alone, made only then
    (one that fails leaves them judged on the hours read, as before)."""
    read_from = start - hours
    series = read_within(
        lambda: signal_series(source, service, start=read_from, end=end, step=step)
    )
    short = {s for s, points in series.items() if _within(points, read_from, start) < NEEDED}
    earlier = max(start - LOOKBACK, kept_since(service.kind, now))
    if not short or earlier >= read_from:
        return series
    only = service.model_copy(update={"queries": {s: service.queries[s] for s in short}})
    try:  # the short signals alone; without them the hours read are judged as they are
        more = read_within(
            lambda: signal_series(source, only, start=earlier, end=read_from, step=step)
        )
    except SreError as error:
        log.warning("the baseline before %s could not be read further back: %s", start, error)
        return series
    return {
        signal: [*(p for p in more.get(signal, []) if p[0] < read_from), *points]
        for signal, points in series.items()
    }


def _within(points: Points, start: datetime, end: datetime) -> int:
    return sum(start <= t < end for t, _ in points)
