"""Counts a provider leaves out when they are zero.

CloudWatch publishes no datapoint for a period in which a count metric (Lambda `Invocations`,
ALB `RequestCount`, `HTTPCode_Target_5XX_Count`) saw nothing, Cloud Monitoring no point for a
delta count (Cloud Run `request_count` of the 5xx class) in an interval without one, and Azure
Monitor a minute with no value for a Total (App Service `Http5xx`) with nothing emitted. Read as
missing, a minute of no traffic or no errors is a hole, not a 0: traffic that stopped for 9
minutes reads steady, and an error rate built on errors published only when non-zero holds only
the bad minutes, so 0% before and 5% now reads as no change. A count series that has any point
in the read is therefore completed with 0 at every step it leaves out, except in its last
minutes, which the provider may not have published yet (SETTLING).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from shared.telemetry.ports import Points

SETTLING = timedelta(minutes=3)
"""How long CloudWatch and Cloud Monitoring may take to publish a minute's count: a step this
close to the read's end is left missing, never taken for 0."""
COUNTS = frozenset({"Sum", "Total"})
"""The statistics of counts a provider omits when zero: a Sum of a count metric (CloudWatch,
Cloud Monitoring), a Total (Azure Monitor gives a minute with nothing emitted no value, unless the
metric's definition fills gaps with zero)."""


def with_zeros(
    points: Points, *, start: datetime, end: datetime, step: int, stamped_at_start: bool
) -> Points:
    """`points` (of a count) with 0 at each step of `start`..`end` they leave out, on their own
    grid, up to the last period that ended SETTLING before `end` (CloudWatch stamps a period
    with its start, Cloud Monitoring with its end: `stamped_at_start`). Unchanged when there is
    no point (nothing known: no data, not 0), or when no two points are a step apart: a series
    published every 5 minutes (a cron job's function, a metric of coarser resolution) is not a
    one-minute series with holes, and is judged on its own step."""
    stride = timedelta(seconds=step)
    times = [t for t, _ in points]
    if not any(b - a == stride for a, b in pairwise(times)):
        return points
    settled = end - SETTLING - (stride if stamped_at_start else timedelta(0))
    anchor = times[0]
    first = anchor - stride * ((anchor - start) // stride)
    count = max(0, (settled - first) // stride + 1)
    grid = (first + stride * i for i in range(count))
    filled = {t: 0.0 for t in grid if start <= t <= settled}
    return sorted({**filled, **dict(points)}.items())


def errors_where_requests(errors: Points, requests: Points) -> Points:
    """A count of errors (a provider leaves out the periods with none) at every period that has
    requests: 0 where the provider gave nothing, once it has given any point (a count with no
    point at all is unknown: a misnamed metric must not read 0% errors)."""
    if not errors:
        return errors
    known = dict(errors)
    return sorted({**{t: 0.0 for t, total in requests if total}, **known}.items())
