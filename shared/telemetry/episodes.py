"""Where a signal left its baseline and where it came back: every episode of a series, found
offline (the whole series is seen at once).

A point is *far* when it is beyond the baseline's margin, *out* when it is beyond half of it.
An episode is a stretch of points out on one side, bridging fewer than BACK points back, that
holds at least RUN points far: it is entered at the margin but left only when the signal is back
within half of it (hysteresis), so a level that hovers at the margin neither flickers in and out
of a change nor moves its onset with the window. It begins at the first point of the run of
points out that holds its first far point, and ends at the first of BACK points in a row back
within half the margin (or lasts to the series' end).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from shared.telemetry.baseline import Baseline

RUN = 3
"""Points beyond the margin that make a change (a lone outlier does not)."""
BACK = 3
"""Consecutive points back within half the margin that end a change."""
FULL = 10
"""A change this many points long is strong evidence; a shorter one is reported as weak."""


@dataclass(frozen=True)
class Stretch:
    """One episode: the index of its first point, of its first point back (None while it
    lasts), of its last point out, and its side (+1 up, -1 down)."""

    first: int
    back: int | None
    last: int
    side: int

    def stop(self, length: int) -> int:
        """The index after its last point: its first point back, or the series' length."""
        return self.back if self.back is not None else length

    def points(self, length: int) -> int:
        """How many points it holds, from its onset to its end."""
        return self.stop(length) - self.first


def stretches(values: Sequence[float], base: Baseline, allowed: set[int]) -> list[Stretch]:
    """Every episode of `values` against `base` on an `allowed` side, oldest first; the
    series' last points beyond the margin on the rising side count though fewer than RUN
    (nothing after them confirms or clears them: they are weak, never steady)."""
    far = [base.side(v) for v in values]
    out = [base.side(v, half=True) for v in values]
    found: list[Stretch] = []
    i = 0
    while i < len(values):
        side = out[i]
        if side not in allowed:
            i += 1
            continue
        last, back = _extent(out, i, side)
        count = sum(1 for k in range(i, last + 1) if far[k] == side)
        tail_rise = last == len(values) - 1 and side > 0 and count > 0
        if count >= RUN or tail_rise:
            found.append(Stretch(_onset(far, out, i, side), back, last, side))
        i = last + 1
    return found


def _extent(out: list[int], first: int, side: int) -> tuple[int, int | None]:
    """The last point out on `side` of the stretch from `first`, and its first point back (the
    first of BACK in a row not out on that side; None when fewer than BACK follow it)."""
    last = first
    for k in range(first + 1, len(out)):
        if out[k] == side:
            last = k
        elif k - last >= BACK:
            return last, last + 1
    return last, None


def _onset(far: list[int], out: list[int], first: int, side: int) -> int:
    """Where the stretch from `first` began: the first of the points out in a row that hold its
    first point far (a point out by chance a little before the change is not its onset)."""
    k = next((k for k in range(first, len(far)) if far[k] == side), first)
    while k > first and out[k - 1] == side:
        k -= 1
    return k


def significance(values: Sequence[float], stretch: Stretch, base: Baseline) -> float:
    """How much an episode says: how many margins its typical value is from the baseline's
    level (on a log scale), times the square root of its points (evidence grows with length)."""
    inside = values[stretch.first : stretch.stop(len(values))]
    distance = abs(statistics.median(inside) - base.level) / base.margin
    return math.log2(1 + distance) * math.sqrt(len(inside))


def most_significant(
    values: Sequence[float], found: Sequence[Stretch], base: Baseline
) -> Stretch | None:
    """The episode that says most (the latest of equals: what is happening now)."""
    ranked = sorted(
        enumerate(found),
        key=lambda pair: (round(significance(values, pair[1], base), 6), pair[0]),
    )
    return ranked[-1][1] if ranked else None
