"""The statistics the canary judge needs, in plain Python: the Mann-Whitney confidence interval on
a location shift (as R's `wilcox.test(conf.int = TRUE)` computes it with the normal
approximation), the conditional binomial test for counts, and the sample size to see an event."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()


def _z(x: Sequence[float], y: Sequence[float], shift: float, quantile: float) -> float:
    """R's `wdiff`: the continuity-corrected normal statistic of x - shift against y, less q.

    `x` and `y` are sorted: the mid-ranks and tie groups come from one merge, in linear time."""
    nx, ny = len(x), len(y)
    i = j = rank = 0
    rank_sum = ties = 0.0
    while i < nx or j < ny:
        value = min(x[i] - shift if i < nx else math.inf, y[j] if j < ny else math.inf)
        from_x = from_y = 0
        while i < nx and x[i] - shift == value:
            from_x, i = from_x + 1, i + 1
        while j < ny and y[j] == value:
            from_y, j = from_y + 1, j + 1
        size = from_x + from_y
        rank_sum += from_x * (rank + (size + 1) / 2)
        ties += size**3 - size
        rank += size
    dz = rank_sum - nx * (nx + 1) / 2 - nx * ny / 2
    correction = math.copysign(0.5, dz) if dz else 0.0
    n = nx + ny
    sigma = math.sqrt((nx * ny / 12) * ((n + 1) - ties / (n * (n - 1))))
    if sigma == 0:
        return -quantile
    return (dz - correction) / sigma - quantile


def _root(f: Callable[[float], float], steps: Sequence[float]) -> float:
    """Where the decreasing step function `f` crosses 0, given the sorted points it steps at: the
    first step after which it is no longer positive (what bisection on the reals converges to, R
    uses Brent's), found by bisection over the steps, `f` judged between neighbouring steps."""
    if f(steps[0]) <= 0:
        return steps[0]
    if f(steps[-1]) >= 0:
        return steps[-1]
    last = len(steps) - 1

    def after(k: int) -> float:  # f just after step k (at the last step: f there)
        return f((steps[k] + steps[k + 1]) / 2) if k < last else f(steps[k])

    low, high = 0, last  # after(high) <= 0; the first such k is wanted
    while low < high:
        middle = (low + high) // 2
        if after(middle) <= 0:
            high = middle
        else:
            low = middle + 1
    return steps[low]


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
    x, y = sorted(experiment), sorted(control)
    q = _NORMAL.inv_cdf(1 - (1 - confidence) / 2)
    # the statistic only steps at pairwise differences, so each root is one of them
    steps = sorted({a - b for a in x for b in y})
    return Shift(
        estimate=_root(lambda d: _z(x, y, d, 0.0), steps),
        lower=_root(lambda d: _z(x, y, d, q), steps),
        upper=_root(lambda d: _z(x, y, d, -q), steps),
    )


def can_show_shift(experiment: int, control: int, *, confidence: float) -> bool:
    """Whether samples this small can show any shift at `confidence` at all: the largest
    statistic `_z` can reach (every canary sample above every stable one) beats the quantile."""
    if not experiment or not control:
        return False
    q = _NORMAL.inv_cdf(1 - (1 - confidence) / 2)
    n = experiment + control
    sigma = math.sqrt(experiment * control * (n + 1) / 12)
    return (experiment * control / 2 - 0.5) / sigma > q


def minutes_to_show_shift(*, confidence: float) -> int:
    """The fewest minutes per version (as many of each) that can show a shift at `confidence`."""
    minutes = 1
    while not can_show_shift(minutes, minutes, confidence=confidence):
        minutes += 1
    return minutes


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


def _poisson_tail(at_least: int, mean: float) -> float:
    """P(X >= at_least) for X ~ Poisson(mean)."""
    term = math.exp(-mean)
    below = 0.0
    for k in range(at_least):
        below += term
        term *= mean / (k + 1)
    return max(0.0, 1.0 - below)


def detectable_samples(
    rate: float, *, ratio: float = 2.0, power: float = 0.95, alpha: float = 0.01
) -> int:
    """Requests a canary must serve for its events to reveal a rate `ratio` times the baseline
    `rate` with probability `power` at significance `alpha` (the canary is a small share of the
    traffic, so its events are Poisson against the baseline's well-known rate)."""
    if rate <= 0:
        return needed_samples()
    return math.ceil(detectable_events(ratio, power=power, alpha=alpha) / rate)


@functools.lru_cache(maxsize=1024)
def detectable_events(
    ratio: float, *, power: float = 0.95, alpha: float = 0.01, start: float = 1.0
) -> float:
    """The baseline events expected in the canary's traffic (from `start`, on a 5% grid) at
    which a rate `ratio` times the baseline's shows with probability `power` at significance
    `alpha`: the first such grid point, whatever the rate (requests are this over the rate).

    Power is not monotone on the grid (it drops each time the critical count steps up), so the
    grid is walked in order, each point in one pass over the Poisson terms: the same sums, in
    the same order, as a tail computed afresh for each candidate count, so the same result."""
    expected = start
    while expected < 1e6:
        critical = _critical(expected, alpha)
        if _poisson_tail(critical, expected * ratio) >= power:
            return expected
        expected *= 1.05
    return expected


def _critical(mean: float, alpha: float) -> int:
    """The fewest events whose Poisson(`mean`) tail P(X >= c) is below `alpha` (each tail summed
    as `_poisson_tail` sums it, one term more per count)."""
    term = math.exp(-mean)
    below = 0.0
    critical = 0
    while max(0.0, 1.0 - below) >= alpha:
        below += term
        term *= mean / (critical + 1)
        critical += 1
    return critical
