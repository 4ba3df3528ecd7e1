"""Alert states, pure: Prometheus' alert state machine fed by CloudWatch's M-of-N rule.

`step` is Prometheus' `AlertingRule.Eval` for one alert instance (rules/alerting.go): inactive →
pending when the condition holds (firing at once when `for` is 0), pending → firing once `for` has
elapsed since it became active, one evaluation without the condition drops a pending alert,
`keep_firing_for` holds a firing alert after the condition stops. It is checked against
`promtool test rules` (tests/unit/alerts/golden).

`breaching` decides whether the condition holds at one evaluation from the last data points, as a
CloudWatch alarm does with `DatapointsToAlarm` M of `EvaluationPeriods` N and its TreatMissingData
choice; None means "no decision" (the instance keeps its state). `without_data` keeps a firing
alert firing when its data stops (missing data is no all-clear), and `transition` says what
people are told: fired, resolved, its data stopped or back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class State(StrEnum):
    """Where an alert instance stands."""

    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"


class Missing(StrEnum):
    """What a missing data point counts as (CloudWatch's TreatMissingData)."""

    MISSING = "missing"
    """Not evaluated: real points decide; with none at all, there is no data (not active)."""
    OK = "ok"
    """Not breaching."""
    ALERTING = "alerting"
    """Breaching."""
    KEEP = "keep"
    """Real points decide; with none at all, the alert keeps its state."""


@dataclass(frozen=True)
class Instance:
    """One alert instance's state, as Prometheus keeps it."""

    state: State = State.INACTIVE
    active_at: datetime | None = None
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    keep_firing_since: datetime | None = None


def step(
    instance: Instance,
    active: bool | None,
    at: datetime,
    *,
    hold: timedelta,
    keep_firing_for: timedelta = timedelta(0),
    fresh: bool = True,
) -> Instance:
    """The instance after one evaluation at `at` (`active`: the condition held; None: keep).
    `fresh`: the evaluation had a point in its latest period; a pending alert whose `for` is
    served fires only on one (a point kept alive by the lookback holds it pending, but a
    series that stopped never serves its `for` on the last point it sent)."""
    if active is None:
        return instance
    if active:
        if instance.state is State.INACTIVE:
            instance = Instance(state=State.PENDING, active_at=at)
        else:
            instance = replace(instance, keep_firing_since=None)
    else:
        keep_since = instance.keep_firing_since
        if instance.state is State.FIRING and keep_firing_for > timedelta(0):
            keep_since = keep_since or at
            if at - keep_since < keep_firing_for:
                return replace(instance, keep_firing_since=keep_since)
        if instance.state is State.INACTIVE:
            return instance
        return Instance(
            state=State.INACTIVE, resolved_at=at if instance.state is State.FIRING else None
        )
    started = instance.active_at or at
    if instance.state is State.PENDING and at - started >= hold and (fresh or not hold):
        return replace(instance, state=State.FIRING, fired_at=at)
    return instance


def unjudged(points: Sequence[float | None], n: int) -> bool:
    """Whether no real point decides `breaching` (none in the last N, fewer than N in the whole
    range), so the missing-data choice does: the evaluation has no data to judge by."""
    real = [p for p in points if p is not None]
    return len(real) < n and all(p is None for p in points[-n:])


def without_data(instance: Instance, active: bool | None, missing: Missing) -> bool | None:
    """What an evaluation with no data to judge by (`unjudged`) decides (`active`, as `breaching`
    judged it): missing data is no all-clear, so a firing alert is not resolved by it unless
    missing points count as ok (or as breaching); it keeps firing until its data says
    otherwise."""
    if instance.state is State.FIRING and missing in {Missing.MISSING, Missing.KEEP}:
        return None
    return active


def cleared(
    points: Sequence[float | None], crosses: Callable[[float], bool], *, m: int, n: int
) -> bool:
    """Whether the real points alone show that M of the last N no longer breach: the range's
    most recent N real points, when it holds N; else, even if every missing point of the last N
    breached, fewer than M would. A firing alert resolves only so: a missing point is not a
    point below the threshold."""
    real = [p for p in points if p is not None]
    if len(real) >= n:
        return sum(crosses(p) for p in real[-n:]) < m
    return sum(p is None or crosses(p) for p in points[-n:]) < m


def unproven(
    instance: Instance,
    points: Sequence[float | None],
    crosses: Callable[[float], bool],
    *,
    m: int,
    n: int,
    missing: Missing,
) -> bool:
    """Whether a firing alert would resolve on missing points alone (`breaching` fills the
    gaps and counts them as not breaching), which its real points do not show: then there is
    no data to judge it by, and it keeps firing (`without_data`)."""
    if instance.state is not State.FIRING or missing not in {Missing.MISSING, Missing.KEEP}:
        return False
    return not cleared(points, crosses, m=m, n=n)


def transition(
    before: Instance, after: Instance, *, had_data: bool = True, has_data: bool = True
) -> str | None:
    """What the evaluation changed of what people are told, else None: `fired`, `resolved`,
    `no data` (a firing alert's data stopped: it is not resolved) or `data back` (a firing
    alert has data again and still fires: it did not fire anew). `had_data`: the evaluation
    before found a point; `has_data`: this one did."""
    if before.state is not State.FIRING and after.state is State.FIRING:
        return "fired"
    if before.state is State.FIRING and after.state is not State.FIRING:
        return "resolved"
    if after.state is State.FIRING and had_data != has_data:
        return "data back" if has_data else "no data"
    return None


def breaching(
    points: Sequence[float | None],
    crosses: Callable[[float], bool],
    *,
    m: int = 1,
    n: int = 1,
    missing: Missing = Missing.MISSING,
) -> bool | None:
    """Whether M of the last N points breach, CloudWatch's way.

    `points` is the evaluation range, oldest first (N plus a few before, None where missing).
    (a) No missing point in the last N: count them. (b) Some missing, but the range holds N real
    points: judge the most recent N real points. (c) Otherwise fill the missing slots of the last N
    with the treatment, keep every real point, and apply CloudWatch's premature-alarm rule."""
    last = list(points[-n:])
    real = [p for p in points if p is not None]
    present = [p for p in last if p is not None]
    if len(present) == n:
        return sum(crosses(p) for p in present) >= m
    if len(real) >= n:
        return sum(crosses(p) for p in real[-n:]) >= m
    if not any(p is not None for p in last):
        return {
            Missing.MISSING: False,
            Missing.KEEP: None,
            Missing.OK: False,
            Missing.ALERTING: True,
        }[missing]
    filled = [crosses(p) if p is not None else missing is Missing.ALERTING for p in last]
    if sum(filled) >= m:
        return True
    return _premature(last, crosses, m)


def counted(points: Sequence[float | None], n: int) -> list[float | None]:
    """The points `breaching` counts, oldest first: the last N when all are there, else the
    range's most recent N real points when it holds N, else the last N with their gaps."""
    last = list(points[-n:])
    real = [p for p in points if p is not None]
    if all(p is not None for p in last) or len(real) < n:
        return last
    return list(real[-n:])


def _premature(last: list[float | None], crosses: Callable[[float], bool], m: int) -> bool:
    """CloudWatch fires on sparse data when the oldest breaching point is at least M periods old
    and every newer point breaches or is missing."""
    for index, point in enumerate(last):
        if point is not None and crosses(point):
            age = len(last) - index
            newer = last[index + 1 :]
            return age >= m and all(p is None or crosses(p) for p in newer)
    return False
