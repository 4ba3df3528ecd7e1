"""How much metric data one read may ask for and wait for: what each provider keeps, what a worker
can hold, how long a read may take.

Sources of the retention figures:
- CloudWatch keeps 1-minute data points for 15 days (5-minute for 63 days, 1-hour for 455 days);
  an older start with a 60 s period returns no data (GetMetricData, MetricStat.Period).
- Azure Monitor keeps platform metrics for 93 days (Azure Monitor Metrics overview, retention).
- Cloud Monitoring keeps Google Cloud service metrics (Cloud Run's) for 6 weeks
  (Cloud Monitoring quotas and limits, data retention).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from shared.errors import InvalidCommandError, UnavailableError
from shared.telemetry.models import ResourceKind
from shared.times import day, moment

MAX_WINDOW = timedelta(days=7)
"""The longest investigation window: with its 4 hours of baseline, 10,320 one-minute points per
signal, about 110 MB and 10 s of a worker for a service's five signals (measured on the sample)."""
MAX_POINTS = 250_000
"""Points one provider read may return, all its series together (a 7-day window of five signals
and two denominators is about 72,000; CloudWatch returns at most 100,800 per call)."""
READ_TIMEOUT = 20.0
"""Seconds a provider read may take before it is reported as unavailable (the scheduler's tick
and a deferred investigation go on without it)."""

RETENTION: dict[ResourceKind, tuple[str, timedelta]] = {
    ResourceKind.AWS_LAMBDA: ("CloudWatch keeps one-minute data", timedelta(days=15)),
    ResourceKind.AWS_ALB: ("CloudWatch keeps one-minute data", timedelta(days=15)),
    ResourceKind.AZURE_RESOURCE: ("Azure Monitor keeps platform metrics", timedelta(days=93)),
    ResourceKind.GCP_CLOUD_RUN: ("Cloud Monitoring keeps Cloud Run metrics", timedelta(days=42)),
}
"""How far back each provider keeps the one-minute data an investigation reads (the sample is
computed and a metrics file holds what it holds)."""

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No --since before this: no provider or metrics file here keeps older one-minute data."""

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def window_of(
    since: datetime | None, length: timedelta, *, now: datetime
) -> tuple[datetime, datetime]:
    """The window's start and end in whole minutes: `length` from `since` (ending at `now` at
    the latest: no minute after it has data yet), or up to `now`; InvalidCommandError if
    `since` is in the future, leaves less than a minute before `now`, or is before EARLIEST."""
    end = now.replace(second=0, microsecond=0)  # whole minutes, as providers report them
    if since is not None:
        if since > now:
            raise InvalidCommandError(
                f"--since is in the future: the window would start {moment(since, today=now)}."
            )
        if since < EARLIEST:
            raise InvalidCommandError(
                f"--since {day(since, today=now)} is before {day(EARLIEST, today=now)}: "
                "nothing keeps one-minute "
                "metrics that old."
            )
        start = (since + length).replace(second=0, microsecond=0) - length
        if start >= end:
            raise InvalidCommandError(
                f"--since {moment(since, today=now)} leaves less than a minute before now: "
                "start the window earlier (`--since 1h ago`)."
            )
        return start, min(end, start + length)
    return end - length, end


def kept_since(kind: ResourceKind, now: datetime) -> datetime:
    """The earliest one-minute data the provider of `kind` still keeps at `now`."""
    kept = RETENTION.get(kind)
    return EARLIEST if kept is None else now - kept[1]


def check_window(
    kind: ResourceKind, *, start: datetime, baseline: timedelta, now: datetime
) -> None:
    """InvalidCommandError unless the window has begun and the provider still keeps its start
    and the baseline before it."""
    if start > now:
        raise InvalidCommandError(
            f"--since is in the future: the window would start {moment(start, today=now)}."
        )
    kept = RETENTION.get(kind)
    if kept is None or start - baseline >= now - kept[1]:
        return
    what, days = kept
    hours = baseline.total_seconds() / 3600
    raise InvalidCommandError(
        f"{what} for {days.days} days, and a window is read with the {hours:g} h before it: "
        f"the earliest window start is {moment(now - days + baseline, today=now)}."
    )


def count_points(found: int, *, limit: int = MAX_POINTS, provider: str) -> int:
    """`found` if it is within the row cap of one read; UnavailableError otherwise."""
    if found > limit:
        raise UnavailableError(
            f"{provider} returned more than {limit:,} points for one read: narrow --window"
        )
    return found


def within(calls: Mapping[K, Callable[[], T]], *, seconds: float) -> dict[K, T | Exception]:
    """Each call's result or error, all run at once, none waited on beyond `seconds` in all (one
    that is still running is answered with UnavailableError and left to finish on its own)."""
    results: dict[K, T | Exception] = {}
    lock = threading.Lock()

    def run(key: K, call: Callable[[], T]) -> None:
        try:
            outcome: T | Exception = call()
        except Exception as error:  # noqa: BLE001 (handed to the caller, per call)
            outcome = error
        with lock:
            results[key] = outcome

    threads = [
        threading.Thread(target=run, args=(k, c), name="metrics-read", daemon=True)
        for k, c in calls.items()
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    late = UnavailableError(f"the metrics provider did not answer within {seconds:g} s")
    with lock:
        return {key: results.get(key, late) for key in calls}


def read_within(call: Callable[[], T], *, seconds: float = READ_TIMEOUT) -> T:
    """`call()`'s result, or UnavailableError if it takes longer than `seconds`."""
    outcome = within({0: call}, seconds=seconds)[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome
