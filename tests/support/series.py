"""Generated metric series for the judgement tests: a noisy level, shifted where a change is."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
Points = list[tuple[datetime, float]]


def noisy(
    count: int,
    *,
    step: int = 1,
    level: float,
    noise: float,
    seed: int,
    start: datetime = T0,
    seconds: int | None = None,
) -> Points:
    """`count` points every `step` minutes (or `seconds`) from `start`, each `level` with
    Gaussian noise of `noise` times it."""
    rng = random.Random(seed)
    every = timedelta(seconds=seconds) if seconds else timedelta(minutes=step)
    return [(start + every * i, level * (1 + rng.gauss(0, noise))) for i in range(count)]


def shifted(points: Points, first: int, last: int, factor: float) -> Points:
    """`points` times `factor` from index `first` up to `last` (excluded)."""
    return [(t, v * factor if first <= i < last else v) for i, (t, v) in enumerate(points)]


def sporadic(count: int, *, share: float, low: float, high: float, seed: int) -> Points:
    """`count` points a minute apart from T0, 0 but for a `share` of them between `low` and
    `high` (an error rate with a failed request now and then)."""
    rng = random.Random(seed)
    every = timedelta(minutes=1)
    return [
        (T0 + every * i, rng.uniform(low, high) if rng.random() < share else 0.0)
        for i in range(count)
    ]
