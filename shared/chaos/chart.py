"""What an experiment's chart shows: its outcome, and per signal of its steady state the faulted
and the unfaulted share a minute since the start, in the signal's unit (error rates pooled since
each step began, as the count test reads them), with the expectation's bound, each step's percent
where it began and where it ended."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from shared.chaos.expectations import expectation
from shared.chaos.models import Experiment
from shared.judging.judge import MetricData
from shared.records import Frozen
from shared.telemetry.models import Signal

MOST_POINTS = 60
"""At most this many points a series: a longer run is read in buckets of several minutes."""
Minutes = Callable[[datetime, datetime], Mapping[str, MetricData]]
"""Reads both shares of the experiment's signals over [start, end)."""


class ChaosPanel(Frozen):
    """One signal of the steady state: both shares at the end of each bucket (NaN: no data)."""

    signal: str
    unit: str
    bound: float
    """The expectation's threshold, in `unit`."""
    minutes: list[float]
    """Minutes since the start, at the end of each bucket."""
    faulted: list[float]
    unfaulted: list[float]


class ChaosChart(Frozen):
    """An experiment's chart; the time axis is minutes since it started."""

    title: str
    panels: list[ChaosPanel]
    steps: list[tuple[float, int]]
    """Where each step's percent began: (minute, percent)."""
    end: tuple[float, str] | None = None
    """Where it ended, and how (`halted`, `deviated`, `held`)."""


def signals_read(experiment: Experiment) -> list[str]:
    """What its chart reads: each expectation's signal, and the errors that count requests."""
    named = {expectation(text).signal.value for text in experiment.expectations}
    return sorted({Signal.ERROR_RATE.value, *named})


def _since(experiment: Experiment, at: datetime) -> float:
    return (at - experiment.started_at).total_seconds() / 60


def last_moment(experiment: Experiment) -> datetime:
    """Until when it has something to show: its end, or its latest step."""
    if experiment.ended_at is not None:
        return experiment.ended_at
    return experiment.history[-1].at if experiment.history else experiment.started_at


def _value(signal: Signal, samples: list[float], total: int) -> float:
    """One bucket's value in the signal's unit: errors in percent of requests; latency, the
    highest minute's."""
    if signal is Signal.ERROR_RATE:
        return 100.0 * sum(samples) / total if total else math.nan
    return max(samples) if samples else math.nan


def _buckets(experiment: Experiment) -> list[tuple[datetime, datetime]]:
    """Whole minutes (or buckets of several) from its start to its last moment."""
    whole = int(_since(experiment, last_moment(experiment)))
    width = max(1, math.ceil(whole / MOST_POINTS))
    start = experiment.started_at
    return [
        (start + timedelta(minutes=m), start + timedelta(minutes=m + width))
        for m in range(0, whole - width + 1, width)
    ]


def chaos_chart(experiment: Experiment, read: Minutes) -> ChaosChart:
    """The chart of `experiment`, each bucket of its minutes read with `read`."""
    conditions = [expectation(text) for text in experiment.expectations]
    buckets = _buckets(experiment)
    read_ = _pooled(experiment, buckets, [read(start, end) for start, end in buckets])
    panels = [
        ChaosPanel(
            signal=c.signal.label,
            unit="%" if c.signal is Signal.ERROR_RATE else "ms",
            bound=c.threshold or 0.0,
            minutes=[_since(experiment, end) for _, end in buckets],
            faulted=[_share(c.signal, data, faulted=True) for data in read_],
            unfaulted=[_share(c.signal, data, faulted=False) for data in read_],
        )
        for c in conditions
    ]
    steps = [(_since(experiment, i.at), i.percent) for i in experiment.injections if i.at]
    outcome = experiment.outcome.value if experiment.outcome else ""
    ended = experiment.ended_at or (experiment.history[-1].at if outcome else None)
    return ChaosChart(
        title=(
            f"Chaos {experiment.id}: {experiment.fault.written} on {experiment.service}: "
            f"{outcome or experiment.standing}"
        ),
        panels=panels,
        steps=steps,
        end=(_since(experiment, ended), outcome) if ended and outcome else None,
    )


def _pooled(
    experiment: Experiment,
    buckets: list[tuple[datetime, datetime]],
    read: list[Mapping[str, MetricData]],
) -> list[Mapping[str, MetricData]]:
    """Each bucket with its error counts pooled since its step began, as the count test judges
    them: a minute of 60 requests with one error is not a 1.7% spike of a harmless fault."""
    starts = sorted(i.at for i in experiment.injections if i.at)
    pooled: list[Mapping[str, MetricData]] = []
    kept: MetricData | None = None
    step: datetime | None = None
    for (start, _), data in zip(buckets, read, strict=True):
        began = max((at for at in starts if at <= start), default=None)
        found = data.get(Signal.ERROR_RATE.value)
        if found is None:
            pooled.append(data)
            continue
        if kept is not None and began == step:
            found = MetricData(
                experiment=(*kept.experiment, *found.experiment),
                control=(*kept.control, *found.control),
                experiment_total=kept.experiment_total + found.experiment_total,
                control_total=kept.control_total + found.control_total,
            )
        kept, step = found, began
        pooled.append({**data, Signal.ERROR_RATE.value: found})
    return pooled


def _share(signal: Signal, data: Mapping[str, MetricData], *, faulted: bool) -> float:
    """One share's value of `signal` in a bucket (NaN where it had no traffic)."""
    found = data.get(signal.value)
    errors = data.get(Signal.ERROR_RATE.value)
    if found is None:
        return math.nan
    samples = list(found.experiment if faulted else found.control)
    total = 0
    if errors is not None:
        total = errors.experiment_total if faulted else errors.control_total
    return _value(signal, samples, total)
