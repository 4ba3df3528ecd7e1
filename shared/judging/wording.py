"""The judge's numbers in words: how the canary compares with the stable version, and how sure
that is."""

from __future__ import annotations

import math

SAME = 1.05
"""Ratios within 5% either way read as `about the same`."""


def compared(ratio: float, *, worse_below: bool = False) -> str:
    """The canary against the stable version in words: `2.8× worse`, `about the same`
    (`worse_below`: a lower value is the worse one, as for traffic)."""
    if math.isnan(ratio):
        return "no baseline to compare"
    if 1 / SAME <= ratio <= SAME:
        return "about the same"
    if ratio == 0:
        return "none on canary"
    worse = ratio < 1 if worse_below else ratio > 1
    times = ratio if ratio > 1 else 1 / ratio
    return f"{times:.1f}× {'worse' if worse else 'better'}"


def pair(experiment: float, control: float) -> str:
    """Both values with the same precision: `338 vs 392 ms`, `1.25 vs 0.98`."""
    largest = max(abs(experiment), abs(control))
    places = 0 if largest >= 100 else 1 if largest >= 10 else 2
    return f"{experiment:,.{places}f} vs {control:,.{places}f}"


def certainty(p_value: float) -> str:
    """How sure a difference is, in words, from its p-value."""
    if p_value < 0.001:
        return "certain"
    if p_value < 0.01:
        return "very likely"
    if p_value < 0.05:
        return "likely"
    return "may be chance"
