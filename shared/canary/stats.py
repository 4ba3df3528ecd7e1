"""The statistics the canary judge needs, in plain Python: the Mann-Whitney confidence interval on
a location shift (as R's `wilcox.test(conf.int = TRUE)` computes it with the normal
approximation), the conditional binomial test for counts, and the sample size to see an event."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()


def _ranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Mid-ranks (1-based) of `values`, and the sizes of its groups of ties."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties: list[int] = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for index in order[start : end + 1]:
            ranks[index] = (start + end) / 2 + 1
        ties.append(end - start + 1)
        start = end + 1
    return ranks, ties


def _z(x: Sequence[float], y: Sequence[float], shift: float, quantile: float) -> float:
    """R's `wdiff`: the continuity-corrected normal statistic of x - shift against y, less q."""
    nx, ny = len(x), len(y)
    ranks, ties = _ranks([v - shift for v in x] + list(y))
    dz = sum(ranks[:nx]) - nx * (nx + 1) / 2 - nx * ny / 2
    correction = math.copysign(0.5, dz) if dz else 0.0
    n = nx + ny
    sigma = math.sqrt((nx * ny / 12) * ((n + 1) - sum(t**3 - t for t in ties) / (n * (n - 1))))
    if sigma == 0:
        return -quantile
    return (dz - correction) / sigma - quantile


def _root(f: Callable[[float], float], low: float, high: float) -> float:
    """A root of a decreasing step function on [low, high] by bisection (R uses Brent's)."""
    f_low, f_high = f(low), f(high)
    if f_low <= 0:
        return low
    if f_high >= 0:
        return high
    for _ in range(200):
        middle = (low + high) / 2
        if f(middle) > 0:
            low = middle
        else:
            high = middle
        if high - low <= 1e-10 * max(1.0, abs(low), abs(high)):
            break
    return (low + high) / 2


@dataclass(frozen=True)
class Shift:
    """The location shift experiment - control: Hodges-Lehmann estimate and its interval."""

    estimate: float
    lower: float
    upper: float


def mann_whitney_shift(
    experiment: Sequence[float], control: Sequence[float], *, confidence: float = 0.98
) -> Shift:
    """The shift of `experiment` against `control` with its confidence interval."""
    x, y = list(experiment), list(control)
    low, high = min(x) - max(y), max(x) - min(y)
    q = _NORMAL.inv_cdf(1 - (1 - confidence) / 2)
    # the statistic only steps at pairwise differences: a root found by bisection is one of them,
    # up to rounding, so it is snapped there (what exact arithmetic would give)
    steps = sorted({a - b for a in x for b in y})

    def snapped(root: float) -> float:
        at = bisect.bisect_left(steps, root)
        near = min(steps[max(at - 1, 0) : at + 1], key=lambda v: abs(v - root))
        return near if abs(near - root) <= 1e-6 * max(1.0, abs(root)) else root

    return Shift(
        estimate=snapped(_root(lambda d: _z(x, y, d, 0.0), low, high)),
        lower=snapped(_root(lambda d: _z(x, y, d, q), low, high)),
        upper=snapped(_root(lambda d: _z(x, y, d, -q), low, high)),
    )


def binomial_tail(successes: int, trials: int, p: float) -> float:
    """P(X >= successes) for X ~ Binomial(trials, p)."""
    if successes <= 0:
        return 1.0
    if successes > trials:
        return 0.0
    log_p, log_q = math.log(p) if p > 0 else -math.inf, math.log1p(-p) if p < 1 else -math.inf
    total = 0.0
    for k in range(successes, trials + 1):
        log_term = (
            math.lgamma(trials + 1)
            - math.lgamma(k + 1)
            - math.lgamma(trials - k + 1)
            + (k * log_p if k else 0.0)
            + ((trials - k) * log_q if trials - k else 0.0)
        )
        total += math.exp(log_term)
    return min(1.0, total)


@dataclass(frozen=True)
class CountTest:
    """Canary events against baseline events, given each side's traffic."""

    p_value: float
    ratio: float
    """Canary rate / baseline rate (infinite when the baseline had none)."""


def count_test(
    canary_events: int, canary_total: int, baseline_events: int, baseline_total: int
) -> CountTest:
    """The conditional binomial test: under "same rate", the canary's share of all events is
    Binomial(events, canary_total / (canary_total + baseline_total)); one-sided, more on canary."""
    events = canary_events + baseline_events
    share = canary_total / (canary_total + baseline_total)
    p_value = binomial_tail(canary_events, events, share)
    canary_rate = canary_events / canary_total if canary_total else 0.0
    baseline_rate = baseline_events / baseline_total if baseline_total else 0.0
    if baseline_rate == 0:
        ratio = math.inf if canary_rate > 0 else 1.0
    else:
        ratio = canary_rate / baseline_rate
    return CountTest(p_value=p_value, ratio=ratio)


def needed_samples(rate: float = 0.01, probability: float = 0.95) -> int:
    """How many requests show at least one event of `rate` with `probability`: ln(1-P)/ln(1-r)."""
    return math.ceil(math.log(1 - probability) / math.log(1 - rate))
