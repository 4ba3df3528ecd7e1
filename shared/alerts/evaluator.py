"""Evaluate many policies at once: one batched metric read per provider and org, then the rules.

Each org's reads of each provider (each metrics file apart) run at the same time as the others, and
none is waited on beyond a timeout: a hung endpoint or file, or one org's slow provider, fails only
its own policies this tick (judged again the next), never the tick or another org's policies.

The data of one evaluation is the last N periods of the policy's signal (CloudWatch's evaluation
range, a few more than N); an anomaly condition judges the detector's scores of the last hours
instead of the values. A period is the series' own step (a point every 5 minutes counts for its 5
minutes, as a CloudWatch alarm's period is its data's), one minute for data at least that dense."""

from __future__ import annotations

import functools
import logging
import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.alerts.models import AlertPolicy
from shared.alerts.states import (
    Instance,
    Missing,
    State,
    breaching,
    step,
    unjudged,
    unproven,
    without_data,
)
from shared.identity.models import OrgId, Team
from shared.identity.ports import Directory
from shared.quotas.metering import ProviderMeter
from shared.telemetry.detector import DetectorSettings, score_series
from shared.telemetry.limits import READ_TIMEOUT, within
from shared.telemetry.models import MetricQuery, ResourceKind
from shared.telemetry.ports import MetricsSource, Points
from shared.telemetry.steps import step_of

log = logging.getLogger("autosre.alerts")

PERIOD = timedelta(minutes=1)
"""The shortest period judged: data a minute apart or denser is judged minute by minute."""
LONGEST_STEP = timedelta(minutes=15)
"""The longest step a series may have for its policies to be judged: a series found sparse is
read N + 2 of these back, enough to find its own step in what is read."""
EXTRA_PERIODS = 2
"""Periods judged before the last N at least (CloudWatch's evaluation range is wider than N)."""
LOOKBACK = timedelta(minutes=5)
"""How far back the latest point still counts (Prometheus' lookback delta): data a minute apart
that arrives in 5-minute batches is not "no data" between two batches."""
ANOMALY_HISTORY = timedelta(hours=4)
LONGEST_ANOMALY = timedelta(days=1)
"""How long a firing anomaly alert reads back to what its signal did before it fired (the four
hours before the firing, plus the time since): past a day, by the detector's scores alone."""
SUSTAINED = DetectorSettings(quiet=0)
"""The detector as an alert needs it: every minute of a lasting anomaly scores, not only its first
(one alarm per event is for `sre analyze anomalies`), so `anomalous for 10m` can hold for 10m."""


@dataclass(frozen=True)
class Evaluation:
    """One policy judged at one time: what it saw, and where its alert now stands."""

    policy: AlertPolicy
    at: datetime
    value: float | None
    active: bool | None
    after: Instance
    problem: str = ""
    """Why it could not be judged (the service is gone, the provider refused), if it could not."""
    slots: tuple[float | None, ...] = ()
    """What was judged, one per period, oldest first (None where missing): the values, or for an
    anomaly condition the detector's scores; the last N decide."""
    period: timedelta = PERIOD
    """How long each slot is: the series' own step, at least a minute."""
    points: tuple[tuple[datetime, float], ...] = ()
    """The signal's values read, oldest first (for the test's chart)."""
    level: float | None = None
    """An anomaly condition's signal's latest value (its `value` is the detector's score)."""

    @property
    def before(self) -> Instance:
        """The alert before this evaluation."""
        return self.policy.status.instance()


def period_of(points: Points) -> timedelta:
    """The period a series is judged by: its own step, at least a minute."""
    return max(PERIOD, step_of([at for at, _ in points]) or PERIOD)


def _slots(points: Points, end: datetime, count: int, period: timedelta) -> list[float | None]:
    """The last `count` periods ending at `end`, oldest first: each period's last point or None."""
    slots: list[float | None] = [None] * count
    first = end - period * count
    for at, value in points:
        if first <= at < end:
            slots[min(int((at - first) / period), count - 1)] = value
    return slots


def periods(n: int, period: timedelta) -> int:
    """How many periods an evaluation judges: the last N and those before them that reach back
    `EXTRA_PERIODS` or `LOOKBACK`, whichever is longer."""
    return n + max(EXTRA_PERIODS, math.ceil(LOOKBACK / period))


def _span(policy: AlertPolicy, period: timedelta) -> timedelta:
    """How far back an evaluation of `policy` judges a series of `period`."""
    if policy.condition.anomalous:
        return ANOMALY_HISTORY
    return period * periods(policy.condition.n, period)


def _before_firing(policy: AlertPolicy, end: datetime) -> datetime | None:
    """When a firing anomaly alert fired, if it did within `LONGEST_ANOMALY` of `end`: what its
    signal did in the hours before then is what it must return to before it resolves."""
    fired = policy.status.fired_at
    if not policy.condition.anomalous or policy.status.state is not State.FIRING or not fired:
        return None
    return fired if end - fired <= LONGEST_ANOMALY else None


def _reach(policy: AlertPolicy, kind: ResourceKind, end: datetime) -> int:
    """Which of an org's batched reads of a provider a policy's series comes from (each read at
    the same time as the others): a threshold's minutes (0), an anomaly condition's hours (1), a
    firing anomaly alert's back to before it fired (2), so no policy's reach widens another's
    read (one firing alert read 28 hours of every series of its org). A metrics file is read
    once, as far as its furthest policy (it is cheap)."""
    if kind is ResourceKind.METRICS_FILE:
        return 0
    if _before_firing(policy, end) is not None:
        return 2
    return 1 if policy.condition.anomalous else 0


def _window(
    policy: AlertPolicy, kind: ResourceKind, history: timedelta, end: datetime
) -> timedelta:
    """How far back a policy's read goes: a metrics file's as far as its step may need (a file is
    cheap to read), a cloud provider's only the minutes of one-minute data (a batched read of
    thousands of policies is not): a sparse series is read again, further (`_sparse`); a firing
    anomaly alert's, to the hours before it fired."""
    fired = _before_firing(policy, end)
    if fired is not None:
        history = max(history, end - fired + ANOMALY_HISTORY)
    if kind is ResourceKind.METRICS_FILE:
        return max(_span(policy, LONGEST_STEP), history)
    # a series with a point every other minute (a quiet function) is judged on this read alone
    return max(_span(policy, PERIOD), _span(policy, 2 * PERIOD), history)


def _within(points: Points, end: datetime, span: timedelta) -> Points:
    return [(at, value) for at, value in points if end - span <= at < end]


def _sparse(policy: AlertPolicy, points: Points, end: datetime) -> bool:
    """Whether the minutes a one-minute series would be judged on show a sparser series (a
    point every 5 minutes, or a single one), or none while the alert is pending or firing: it
    is then judged on its own step, found further back. A quiet series of an inactive alert
    is not looked for further (thousands of idle functions would cost every tick)."""
    if policy.condition.anomalous:
        return False
    recent = _within(points, end, _span(policy, PERIOD))
    step = step_of([at for at, _ in recent])
    if step is not None and step <= PERIOD:
        return False
    if None not in _slots(recent, end, policy.condition.n, PERIOD):
        return False  # a point in each of the last N minutes: judged as it is, whatever its step
    return bool(recent) or policy.status.state is not State.INACTIVE


def _covered(policy: AlertPolicy, points: Points, end: datetime, window: timedelta) -> bool:
    """Whether a sparse series' first read already reaches back as far as its own step needs
    (a point every other minute: judged on it, with no second read)."""
    step = step_of([at for at, _ in _within(points, end, window)])
    return step is not None and _span(policy, max(PERIOD, step)) <= window


def judged_points(policy: AlertPolicy, kind: ResourceKind, points: Points, end: datetime) -> Points:
    """The points an evaluation at `end` judges, of those read (a test reads an hour to chart):
    a metrics file's, and a sparse series', over the longest step; else the last minutes."""
    if policy.condition.anomalous:
        return points
    if kind is ResourceKind.METRICS_FILE or _sparse(policy, points, end):
        return _within(points, end, _span(policy, LONGEST_STEP))
    return _within(points, end, _span(policy, PERIOD))


class AlertEvaluator:
    """Judges policies against their services' metrics, read in batches."""

    def __init__(
        self,
        *,
        directory: Directory,
        sources: Mapping[ResourceKind, MetricsSource],
        timeout: float = READ_TIMEOUT,
        meter: ProviderMeter | None = None,
    ) -> None:
        """`meter`: counts each batched read's provider calls to the teams whose policies it
        served (never refusing one); None counts nothing."""
        self._directory = directory
        self._meter = meter
        self._sources = dict(sources)
        self._timeout = timeout

    def evaluate(
        self, policies: Sequence[AlertPolicy], at: datetime, *, history: timedelta = timedelta(0)
    ) -> list[Evaluation]:
        """Every policy judged at `at` (whole minutes), reading each provider in one batch per org
        (its own credentials; at least `history` back: what a test charts)."""
        end = at.replace(second=0, microsecond=0)
        teams: dict[tuple[str, str], Team | None] = {}
        wanted: dict[tuple[str, ResourceKind, str, int], list[tuple[AlertPolicy, MetricQuery]]] = {}
        done: list[Evaluation] = []
        for policy in policies:
            key = (policy.org, policy.team)
            if key not in teams:
                teams[key] = self._directory.get_team(OrgId(policy.org), policy.team)
            team = teams[key]
            service = team.services.get(policy.service) if team else None
            if service is None or service.kind not in self._sources:
                problem = f"service {policy.service} is not registered in team {policy.team}"
                done.append(_unjudged(policy, end, problem))
                continue
            if service.held_elsewhere:  # registered before claims: another org's, never read
                problem = f"{policy.service}'s resource is held by another organisation"
                done.append(_unjudged(policy, end, problem))
                continue
            # a metrics file is read on its own: one bad file must not fail the others
            apart = service.resource if service.kind is ResourceKind.METRICS_FILE else ""
            batch = (policy.org, service.kind, apart, _reach(policy, service.kind, end))
            wanted.setdefault(batch, []).append((policy, service.queries[policy.condition.signal]))
        reads = {
            batch: functools.partial(
                self._read, self._sources[batch[1]], pairs, end, history, kind=batch[1]
            )
            for batch, pairs in wanted.items()
        }
        for batch, series in within(reads, seconds=self._timeout).items():
            (org, kind, *_), pairs = batch, wanted[batch]
            if isinstance(series, Exception):
                _say_carried(org, kind, series, len(pairs))
            done += self._judge(pairs, series, end, kind)
        return done

    def _read(
        self,
        source: MetricsSource,
        pairs: list[tuple[AlertPolicy, MetricQuery]],
        end: datetime,
        history: timedelta,
        *,
        kind: ResourceKind,
    ) -> dict[str, Points]:
        """One batched read of every distinct query of `pairs`, by query."""
        window = max(_window(policy, kind, history, end) for policy, _ in pairs)
        unique = list({q.model_dump_json(): q for _, q in pairs}.values())
        if self._meter is not None:  # split by policies served, whole calls adding up exactly
            payers = Counter((OrgId(policy.org), policy.team) for policy, _ in pairs)
            source = self._meter.metrics(source, payers, at=end)
        series = source.read(unique, start=end - window, end=end, step=60)
        read = {q.model_dump_json(): points for q, points in zip(unique, series, strict=True)}
        return read | self._further(source, pairs, read, end, window)

    def _further(
        self,
        source: MetricsSource,
        pairs: list[tuple[AlertPolicy, MetricQuery]],
        read: dict[str, Points],
        end: datetime,
        window: timedelta,
    ) -> dict[str, Points]:
        """The sparse series of a first read that did not reach back their step, read again
        in one batch as far as the longest step (at most N + 2 of 15 minutes)."""
        wide = max(_span(policy, LONGEST_STEP) for policy, _ in pairs)
        if window >= wide:
            return {}
        again = {
            q.model_dump_json(): q
            for policy, q in pairs
            if _sparse(policy, read[q.model_dump_json()], end)
            and not _covered(policy, read[q.model_dump_json()], end, window)
        }
        if not again:
            return {}
        queries = list(again.values())
        series = source.read(queries, start=end - wide, end=end, step=60)
        return {q.model_dump_json(): points for q, points in zip(queries, series, strict=True)}

    def _judge(
        self,
        pairs: list[tuple[AlertPolicy, MetricQuery]],
        series: dict[str, Points] | Exception,
        end: datetime,
        kind: ResourceKind,
    ) -> list[Evaluation]:
        """Each policy judged on its series; a failed or late read is reported per policy."""
        if isinstance(series, Exception):
            return [_unjudged(policy, end, f"metrics unavailable: {series}") for policy, _ in pairs]
        return [_judged(policy, series[q.model_dump_json()], end, kind=kind) for policy, q in pairs]


def _say_carried(org: str, kind: ResourceKind, error: Exception, policies: int) -> None:
    """Log that one org's read failed or ran past its bound: only its own policies wait."""
    log.warning(
        "org %s: the %s read failed (%s); its %d %s judged again next tick",
        org,
        kind.value,
        error,
        policies,
        "policy is" if policies == 1 else "policies are",
    )


def _still_away(policy: AlertPolicy, points: Points, end: datetime) -> bool:
    """Whether a firing anomaly alert's signal is still nearer the level it fired at (the median
    of its last minutes then) than its baseline (the median of the hours before it fired): the
    detector stops being surprised by a level that lasts, which is no recovery."""
    fired = _before_firing(policy, end)
    if fired is None or not points:
        return False
    before = [value for at, value in points if fired - ANOMALY_HISTORY <= at < fired]
    at_firing = [value for at, value in points if fired - LOOKBACK <= at <= fired]
    if not before or not at_firing:
        return False
    latest = points[-1][1]
    return abs(latest - statistics.median(at_firing)) < abs(latest - statistics.median(before))


def _unjudged(policy: AlertPolicy, end: datetime, problem: str) -> Evaluation:
    """No data to judge by: the policy's missing-data choice decides."""
    return _judged(policy, [], end, problem)


def _judged(
    policy: AlertPolicy,
    points: Points,
    end: datetime,
    problem: str = "",
    *,
    kind: ResourceKind = ResourceKind.SAMPLE,
) -> Evaluation:
    condition = policy.condition
    judged = judged_points(policy, kind, points, end)
    if condition.anomalous and points:
        scores = score_series([v for _, v in points], settings=SUSTAINED)
        judged = [(t, s) for (t, _), s in zip(points, scores, strict=True)]
    period = period_of(judged)
    slots = _slots(judged, end, periods(condition.n, period), period)
    active = breaching(
        slots, condition.crosses, m=condition.m, n=condition.n, missing=policy.missing
    )
    if active is False and _still_away(policy, points, end):
        active = True  # a lasting new level: no longer a surprise, not a recovery either
    value = next((v for v in reversed(slots) if v is not None), None)
    before = policy.status.instance()
    blind = active is False and unproven(
        before, slots, condition.crosses, m=condition.m, n=condition.n, missing=policy.missing
    )
    if blind or unjudged(slots, condition.n):  # no point left to judge by: not an all-clear
        value = None
        active = without_data(before, active, policy.missing)
    after = step(
        before,
        active,
        end,
        hold=condition.hold,
        keep_firing_for=policy.keep_firing_for,
        fresh=slots[-1] is not None or policy.missing is Missing.ALERTING,
    )
    return Evaluation(
        policy=policy,
        at=end,
        value=value,
        active=active,
        after=after,
        problem=problem,
        slots=tuple(slots),
        period=period,
        points=tuple(points),
        level=points[-1][1] if condition.anomalous and points and value is not None else None,
    )
