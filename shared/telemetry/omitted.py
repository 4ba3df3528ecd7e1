"""Counts a provider leaves out when they are zero.

CloudWatch publishes no datapoint for a period in which a count metric (Lambda `Invocations`,
ALB `RequestCount`, `HTTPCode_Target_5XX_Count`) saw nothing, and Cloud Monitoring no point for a
delta count (Cloud Run `request_count` of the 5xx class) in an interval without one. Read as
missing, a minute of no traffic or no errors is a hole, not a 0: traffic that stopped for 9
minutes reads steady, and an error rate built on errors published only when non-zero holds only
the bad minutes, so 0% before and 5% now reads as no change. A count series that has any point
in the read is therefore completed with 0 at every step it leaves out, except in its last
minutes, which the provider may not have published yet (SETTLING).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.telemetry.ports import Points

SETTLING = timedelta(minutes=3)
"""How long CloudWatch and Cloud Monitoring may take to publish a minute's count: a step this
close to the read's end is left missing, never taken for 0."""
COUNTS = frozenset({"Sum"})
"""The statistics of counts a provider omits when zero (a Sum of a count metric)."""


def with_zeros(points: Points, *, start: datetime, end: datetime, step: int) -> Points:
    """`points` (of a count) with 0 at each step of `start`..`end` - SETTLING they leave out, on
    the points' own grid; unchanged when there is none (nothing known: no data, not 0)."""
    if not points:
        return points
    stride = timedelta(seconds=step)
    settled = end - SETTLING
    known = dict(points)
    anchor = points[0][0]
    first = anchor - stride * ((anchor - start) // stride)
    count = max(0, (settled - first) // stride + 1)
    grid = (first + stride * i for i in range(count))
    filled = {t: 0.0 for t in grid if start <= t <= settled}
    return sorted({**filled, **known}.items())
