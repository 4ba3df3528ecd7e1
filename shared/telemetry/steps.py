"""A series' step: how far apart its points are (one a minute, one every 5 minutes)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise


def step_of(times: Sequence[datetime]) -> timedelta | None:
    """The median gap between the times, to the second (None with fewer than two): a gap where
    the data paused, or a point written twice, does not change it."""
    gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
    if not gaps:
        return None
    return timedelta(seconds=max(1, round(statistics.median(gaps))))
