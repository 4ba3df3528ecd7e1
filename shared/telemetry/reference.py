"""The baseline of a window whose hours before it hold a change themselves.

An incident that began in the hours before the window and lasts into it would otherwise be half
its own baseline, or more, and the window "steady" against it: narrowing the window, the first
thing an on-call engineer does, would give an all-clear. So the hours before the window are
checked: when their latest part is beyond the margin of their earliest part (on a side the
signal counts), the change that lasts to their end is found, and the window is judged against
those hours up to where it began (their level before it), with the change reported from there.
A signal whose fall is good news that fell and stayed down in those hours (latency back to its
usual after an incident in them) is judged against its level since: the incident is not the
baseline a new one is measured by.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from shared.telemetry.baseline import NEEDED, Baseline, baseline_of, measured
from shared.telemetry.episodes import RUN, stretches

PART = 8
"""The earliest 1/PART of the hours before the window (at least NEEDED points, or HEAD at a
coarse step; 30 min of 4 h) is
their level to compare the rest with; the latest 1/PART (at least RUN points), the level they
ended at. A change that began after that first part is found where it began."""
HEAD = timedelta(minutes=30)
"""The least time before a change its level is judged by (at a step where NEEDED points are
longer than this, the points of this time)."""


def reference(
    points: Sequence[tuple[datetime, float]],
    start: datetime,
    read_from: datetime | None,
    allowed: set[int],
) -> Baseline | None:
    """The baseline for the window from `start` (`baseline_of`), or, when the hours before it
    hold a change on an `allowed` side that lasts to their end, those hours up to it."""
    base = baseline_of(points, start, read_from)
    if base is None or base.suspect:
        return base  # the earliest points already, and a fall from them counts too
    before = [(t, v) for t, v in points if base.start <= t < start]
    found = _change_in(before)
    if found is None:
        return base
    began, side = found
    if side in allowed:
        return measured(before[:began], older=base.older, changed_at=before[began][0])
    if len(before) - began >= NEEDED:  # back from an incident (latency fell to its usual)
        return measured(before[began:], older=base.older, recovered_at=before[began][0])
    return base


def _change_in(before: Sequence[tuple[datetime, float]]) -> tuple[int, int] | None:
    """Where a change that lasts to the end of `before` began, and its side (+1 up, -1 down),
    judged against their earliest part; None when there is none, or too few points before it
    (`_least`)."""
    count = len(before)
    head, tail = max(_least(before), count // PART), max(RUN, count // PART)
    if count < head + tail:
        return None
    early = measured(before[:head])
    values = [v for _, v in before]
    side = early.side(statistics.median(values[-tail:]))
    if not side:
        return None
    last = next(reversed(stretches(values, early, {side})), None)
    if last is None or last.back is not None or last.first < head:
        return None
    return last.first, side


def _least(before: Sequence[tuple[datetime, float]]) -> int:
    """The fewest points the level before a change needs: NEEDED, or at a coarse step those of
    HEAD (so a change 3 h 30 min before the window is found at a 5-minute step too)."""
    gaps = [(b[0] - a[0]).total_seconds() for a, b in pairwise(before)]
    step = max(1.0, statistics.median(gaps)) if gaps else 60.0
    return max(RUN, min(NEEDED, math.ceil(HEAD.total_seconds() / step)))
