"""The baseline a window is judged against, and how far a point is from it.

The baseline is the hours before the window; when they hold too few points (a coarse metrics
file, an exporter that was down), the last points before them that were read; when nothing came
before the window, the earliest points that exist (so a window with nothing before it is still
judged, and says so). Its level is
the median and its spread the median absolute deviation: a change inside the baseline, or a few
outliers, move neither much.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

NEEDED = 20
"""Points a baseline needs before a signal can be judged against it."""
SIGMAS = 4.0
"""How many robust standard deviations away a point must be to count as changed."""
SMALLEST = 0.3
"""The smallest change counted, as a fraction of the baseline's level: a daily swing of traffic
or a busy hour is not an incident."""
QUIET = 3.0
"""A point of a change that hovers near the margin is back within the baseline within half the
margin, or this many robust standard deviations if wider (so noise does not hold it open)."""
USUAL = 0.9
"""A baseline at its level most of the time (an error rate mostly 0, with a failed request now
and then) has no spread to speak of: its margin is at least SMALLEST beyond this quantile of its
lone points off its level (both neighbours at it), so sporadic values no larger than those it
already showed are not a change, while a run off it (an incident) does not widen the margin."""
LONE = 10
"""Lone points a baseline needs before they set its margin."""
_NORMAL = 1.4826
"""MAD × this is the standard deviation of normally distributed values."""
_MEAN_NORMAL = 1.2533
"""Mean absolute deviation × this is the standard deviation (for a baseline whose MAD is 0)."""


@dataclass(frozen=True)
class Baseline:
    """A signal's level and spread over a baseline period, and where that period came from."""

    level: float
    margin: float
    """How far from `level` a point must be to count as changed."""
    spread: float
    """The robust standard deviation of the baseline's values."""
    start: datetime
    end: datetime
    points: int
    borrowed: int
    """Points taken from the window's start because the hours before it had too few (0: none)."""
    older: int = 0
    """Points taken from before the hours before the window, because those hours held fewer than
    NEEDED (0: none): the baseline is the last NEEDED points before the window, however old."""
    late: bool = False
    """The data began in the second half of the hours before the window: the baseline is only
    their end, and may be the incident itself (as a borrowed one may)."""
    recovered_at: datetime | None = None
    """When a signal whose fall is good news fell back inside the hours before the window and
    stayed there (the end of an incident in them): the baseline is those hours from then."""
    changed_at: datetime | None = None
    """When a change that lasted to the window began inside the hours before it: the baseline
    is then those hours up to it (their level before the change), not the whole of them."""
    off_share: float | None = None
    """For a baseline at its level most of the time, its lone points off it setting its margin
    (USUAL): the share of its points off its level; None for any other."""
    mean: float = 0.0
    """The mean of its values (a baseline mostly at 0 has a level of 0, yet a rate)."""
    reach_up: float = 0.0
    """How far above its level two of its points in a row went at most (a burst every hour, a
    GC pause: what two points far above it are not news against)."""
    reach_down: float = 0.0
    """How far below its level two of its points in a row went at most."""

    @property
    def suspect(self) -> bool:
        """Whether the baseline may itself be the incident: a fall from it is a change too."""
        return bool(self.borrowed) or self.late

    @property
    def half(self) -> float:
        """The least distance from `level` at which a point is still out of the baseline: half
        the margin, or QUIET standard deviations if wider."""
        return max(self.margin / 2, QUIET * self.spread)

    def back(self, typical: float) -> float:
        """How far from `level` a point of a change whose typical value is `typical` may be and
        be back: half the way to that value, between `half` and the margin (a change far
        beyond the margin ends at the margin; one that hovers near it, only well inside it)."""
        return min(self.margin, max(self.half, abs(typical - self.level) / 2))

    def side(self, value: float, margin: float | None = None) -> int:
        """+1 above the baseline, -1 below it, 0 within its margin (or within `margin`)."""
        margin = self.margin if margin is None else margin
        if value > self.level + margin:
            return 1
        if value < self.level - margin:
            return -1
        return 0


def _spread(values: Sequence[float], level: float) -> float:
    deviations = [abs(v - level) for v in values]
    spread = _NORMAL * statistics.median(deviations)
    return spread or _MEAN_NORMAL * statistics.fmean(deviations)


def _usual(values: Sequence[float], level: float) -> float:
    """How far from `level` the USUAL quantile of the lone points off it is, SMALLEST beyond,
    when most values are `level` and LONE points at least are lone; else 0."""
    off = [v != level for v in values]
    if sum(off) * 2 >= len(values):
        return 0.0
    lone = sorted(
        abs(values[k] - level)
        for k in range(1, len(values) - 1)
        if off[k] and not off[k - 1] and not off[k + 1]
    )
    if len(lone) < LONE:
        return 0.0
    return (1 + SMALLEST) * lone[min(len(lone) - 1, int(USUAL * len(lone)))]


def measured(
    reference: Sequence[tuple[datetime, float]],
    *,
    borrowed: int = 0,
    older: int = 0,
    late: bool = False,
    changed_at: datetime | None = None,
    recovered_at: datetime | None = None,
) -> Baseline:
    """The baseline of the points `reference` (at least one): their median and margin."""
    values = [v for _, v in reference]
    level = statistics.median(values)
    spread = _spread(values, level)
    usual = _usual(values, level)
    return Baseline(
        level=level,
        margin=max(SIGMAS * spread, SMALLEST * abs(level), usual, 1e-9),
        spread=spread,
        start=reference[0][0],
        end=reference[-1][0],
        points=len(reference),
        borrowed=borrowed,
        older=older,
        late=late,
        changed_at=changed_at,
        recovered_at=recovered_at,
        off_share=sum(v != level for v in values) / len(values) if usual else None,
        mean=statistics.fmean(values),
        reach_up=max((min(a, b) - level for a, b in itertools.pairwise(values)), default=0.0),
        reach_down=max((level - max(a, b) for a, b in itertools.pairwise(values)), default=0.0),
    )


def baseline_of(
    points: Sequence[tuple[datetime, float]], start: datetime, read_from: datetime | None = None
) -> Baseline | None:
    """The baseline for a window starting at `start`: the points of the hours before it (from
    `read_from`, if given; else every point before it); the last NEEDED points before it when
    those hours hold fewer (points read from further back); the earliest NEEDED points there
    are when fewer came before it at all; None when there are not that many. `read_from` also
    tells a late start: data that began in the second half of those hours."""
    before = [(t, v) for t, v in points if t < start]
    hours = [(t, v) for t, v in before if read_from is None or t >= read_from]
    if len(hours) >= NEEDED:
        reference, older = hours, 0
    elif len(before) >= NEEDED:
        reference, older = before[-NEEDED:], NEEDED - len(hours)
    else:
        reference, older = list(points[:NEEDED]), 0
    if len(reference) < NEEDED:
        return None
    borrowed = max(0, len(reference) - len(before)) if not older else 0
    return measured(
        reference,
        borrowed=borrowed,
        older=older,
        late=not borrowed
        and not older
        and read_from is not None
        and reference[0][0] > read_from + (start - read_from) / 2,
    )
