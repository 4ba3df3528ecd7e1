"""The power gate's sample size, found faster: the same requests as the linear search it
replaces, for every baseline rate, ratio and significance the canary and chaos judges ask."""

from __future__ import annotations

import functools
import math

import pytest

from shared.judging.stats import detectable_samples, needed_samples


def _tail(at_least: int, mean: float) -> float:
    term = math.exp(-mean)
    below = 0.0
    for k in range(at_least):
        below += term
        term *= mean / (k + 1)
    return max(0.0, 1.0 - below)


@functools.cache
def _events(ratio: float, power: float, alpha: float) -> float:
    expected = 1.0
    while expected < 1e6:
        critical = 0
        while _tail(critical, expected) >= alpha:
            critical += 1
        if _tail(critical, expected * ratio) >= power:
            return expected
        expected *= 1.05
    return expected


def linear_search(rate: float, ratio: float, power: float, alpha: float) -> int:
    """The search as it was before: each candidate count's tail summed afresh (its walk does
    not depend on the rate, so it is walked once per ratio here)."""
    if rate <= 0:
        return needed_samples()
    return math.ceil(_events(ratio, power, alpha) / rate)


RATES = [0.0, 1e-5, 0.0003, 0.001, 0.002, 0.0023, 0.005, 0.01, 0.05, 0.2]
RATIOS = [1.2, 1.3, 1.5, 2.0, 3.0, 10.0, 100.0]


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("ratio", RATIOS)
@pytest.mark.parametrize(("power", "alpha"), [(0.95, 0.01), (0.8, 0.05), (0.95, 0.001)])
def test_the_requests_needed_are_the_linear_searchs(
    rate: float, ratio: float, power: float, alpha: float
) -> None:
    found = detectable_samples(rate, ratio=ratio, power=power, alpha=alpha)
    assert found == linear_search(rate, ratio, power, alpha)


def test_a_doubled_one_percent_still_needs_2271_requests() -> None:
    assert detectable_samples(0.01) == 2271
