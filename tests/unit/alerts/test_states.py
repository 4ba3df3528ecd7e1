"""CloudWatch's M of N with missing data, and the transitions people are told about."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from shared.alerts.states import (
    Instance,
    Missing,
    State,
    breaching,
    step,
    transition,
    unjudged,
    unproven,
    without_data,
)
from shared.judging.condition import parse
from shared.telemetry.models import MetricQuery, Signal
from shared.telemetry.queries import signal_values

X: float = 20.0  # breaching (CloudWatch's X)
K: float = 0.0  # fine (CloudWatch's 0)
N_: None = None  # missing (CloudWatch's -)
T0 = datetime(2026, 11, 22, tzinfo=UTC)


def _over(value: float) -> bool:
    return value > 10


@pytest.mark.parametrize(
    ("points", "m", "n", "expected"),
    [
        ([K, K, X, X, X], 3, 3, True),  # (a) the last N are all there: count them
        ([K, K, X, K, X], 3, 3, False),
        ([X, K, X, X, K], 3, 5, True),  # 3 of 5
        ([X, X, X, N_, X], 3, 3, True),  # (b) a gap, but N real points in the range: last N real
        ([K, X, N_, X, N_], 3, 3, False),
    ],
)
def test_m_of_n_counts_the_most_recent_real_points(
    points: list[float | None], m: int, n: int, expected: bool
) -> None:
    assert breaching(points, _over, m=m, n=n) is expected


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([N_, N_, N_, N_, X], False),  # premature: too young to alarm on one point
        ([N_, N_, N_, X, N_], False),
        ([N_, N_, X, N_, N_], True),  # the oldest breach is 3 periods old, nothing newer is fine
        ([N_, N_, X, K, N_], False),  # a newer point that is fine stops it
    ],
)
def test_sparse_data_follows_cloudwatchs_premature_alarm_rule(
    points: list[float | None], expected: bool
) -> None:
    assert breaching(points, _over, m=3, n=3) is expected


@pytest.mark.parametrize(
    ("missing", "expected"),
    [
        (Missing.MISSING, False),
        (Missing.OK, False),
        (Missing.ALERTING, True),
        (Missing.KEEP, None),
    ],
)
def test_no_data_at_all_is_what_the_policy_says(missing: Missing, expected: bool | None) -> None:
    assert breaching([N_, N_, N_, N_, N_], _over, m=3, n=3, missing=missing) is expected


def test_missing_points_treated_as_alerting_fill_the_gaps() -> None:
    assert breaching([N_, N_, X, N_, N_], _over, m=3, n=3, missing=Missing.ALERTING) is True
    assert breaching([N_, N_, K, N_, N_], _over, m=3, n=3, missing=Missing.ALERTING) is False


def test_keep_leaves_the_instance_as_it_was() -> None:
    firing = Instance(state=State.FIRING, active_at=T0, fired_at=T0)
    assert step(firing, None, T0 + timedelta(minutes=1), hold=timedelta(0)) == firing


def test_a_fire_and_a_resolve_are_the_only_transitions_told() -> None:
    hold = parse("p99_latency > 800ms for 2m").hold
    states = [Instance()]
    for minute, active in enumerate([True, True, True, True, False, False]):
        states.append(step(states[-1], active, T0 + timedelta(minutes=minute), hold=hold))
    told = [transition(a, b) for a, b in itertools.pairwise(states)]
    assert told == [None, None, "fired", None, "resolved", None]


@pytest.mark.parametrize(
    ("missing", "state", "told"),
    [
        (Missing.MISSING, State.FIRING, "no data"),  # no all-clear: it goes on firing
        (Missing.KEEP, State.FIRING, "no data"),
        (Missing.ALERTING, State.FIRING, "no data"),
        (Missing.OK, State.INACTIVE, "resolved"),  # missing points count as ok, as asked
    ],
)
def test_a_firing_alerts_data_stopping_is_told_as_no_data_unless_missing_counts_as_ok(
    missing: Missing, state: State, told: str
) -> None:
    # GIVEN a firing alert; WHEN an evaluation finds no point at all
    firing = Instance(state=State.FIRING, active_at=T0, fired_at=T0)
    active = without_data(firing, breaching([N_, N_, N_], _over, missing=missing), missing)
    after = step(firing, active, T0 + timedelta(minutes=1), hold=timedelta(0))
    # THEN it is resolved only where missing data counts as ok, and told what it is
    assert after.state is state
    assert transition(firing, after, had_data=True, has_data=False) == told


@pytest.mark.parametrize(
    ("points", "n", "expected"),
    [
        ([X, X, N_, N_, N_, N_, N_], 5, True),  # none of the last 5, 2 before: nothing decides
        ([X, X, X, X, X, N_, N_], 5, False),  # 5 real points in the range decide
        ([X, N_, X, N_, N_, X, N_], 5, False),  # points among the last 5: they decide
        ([X, N_, N_], 1, False),  # the latest before a missing minute is judged
        ([N_, N_, N_], 1, True),
    ],
)
def test_no_data_to_judge_by_is_when_the_missing_data_choice_decides(
    points: list[float | None], n: int, expected: bool
) -> None:
    assert unjudged(points, n) is expected


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([X, X, X, K, N_, N_, N_], True),  # 1 ok point, 3 missing: missing points are no all-clear
        ([X, X, K, K, K, N_, N_], False),  # 3 real ok points of 5: 3 of 5 can no longer breach
        ([X, K, K, K, K, K, N_], False),  # 5 real points in the range decide
        ([N_, N_, N_, N_, N_, N_, N_], True),
    ],
)
def test_a_firing_m_of_n_alert_resolves_only_on_real_points_below_the_threshold(
    points: list[float | None], expected: bool
) -> None:
    # GIVEN `3 of 5` firing, judged with missing data left missing
    firing = Instance(state=State.FIRING, active_at=T0, fired_at=T0)
    # WHEN its last points are partly missing, THEN it resolves only if the real points show it
    assert unproven(firing, points, _over, m=3, n=5, missing=Missing.MISSING) is expected
    assert not unproven(firing, points, _over, m=3, n=5, missing=Missing.OK)


def test_a_firing_alert_whose_data_comes_back_breaching_is_told_data_back_not_fired() -> None:
    firing = Instance(state=State.FIRING, active_at=T0, fired_at=T0)
    after = step(firing, True, T0 + timedelta(minutes=9), hold=timedelta(0))
    assert after == firing
    assert transition(firing, after, had_data=False, has_data=True) == "data back"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("p99 > 800ms for 5m", "`p99` is not a signal"),
        ("p99_latency 800ms", "is not a condition"),
        ("error_rate > 800ms", "error rate is a percentage: use %, e.g. `error_rate > 2%`"),
        ("error_rate > 2% 6 of 5", "cannot outnumber the points looked at, e.g. `3 of 5`"),
        # before: "is not a condition: write `p99_latency > 800ms for 5m`…", no word of a limit
        ("error_rate > 2% 1 of 100", "`1 of 100`: at most 99 points are looked at"),
    ],
)
def test_a_wrong_condition_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "p99_latency > 800ms for 5m",
        "error_rate >= 2.5% 3 of 5",
        "error_rate anomalous for 10m",
        "traffic < 100 for 2m",
    ],
)
def test_a_condition_reads_back_as_typed(text: str) -> None:
    assert parse(text).text() == text
    assert parse("p99_latency > 1.5s").threshold == 1500.0


def test_a_value_equal_to_the_threshold_does_not_cross_it_through_float_arithmetic() -> None:
    # GIVEN 7 errors of 100 requests, as a provider's error rate is computed
    errors = MetricQuery(signal=Signal.ERROR_RATE, namespace="AWS/Lambda", metric="Errors")
    requests = errors.model_copy(update={"metric": "Invocations"})
    rate = errors.model_copy(update={"divide_by": requests, "scale": 100.0})
    raw = {"Errors": [(T0, 7.0)]}
    ((_, value),) = signal_values(rate, lambda q: raw.get(q.metric, [(T0, 100.0)]))
    # THEN it is 7%, which `error_rate > 7%` does not cross
    assert value == 7.0
    assert not parse("error_rate > 7%").crosses(value)
    # AND `1.001s` is kept as 1001 ms, which a p99 of 1001 ms does not cross
    slow = parse("p99_latency > 1.001s")
    assert slow.threshold == 1001.0
    assert not slow.crosses(1001.0)
    assert parse("p99_latency >= 1.001s").crosses(1000.0 + 1.0)


def test_a_pending_alert_serves_its_for_only_on_a_fresh_point() -> None:
    # GIVEN an alert pending since T0 on `for 3m`
    pending = Instance(state=State.PENDING, active_at=T0)
    later = T0 + timedelta(minutes=3)
    # WHEN its `for` is served but the latest point is one the lookback kept alive (the series
    # stopped), it stays pending; on a fresh point that still breaches, it fires
    held = step(pending, True, later, hold=timedelta(minutes=3), fresh=False)
    assert held.state is State.PENDING
    fired = step(held, True, later + timedelta(minutes=1), hold=timedelta(minutes=3), fresh=True)
    assert fired.state is State.FIRING
    # AND an alert with no `for` fires as CloudWatch's would, fresh point or not
    now = step(Instance(state=State.INACTIVE), True, later, hold=timedelta(0), fresh=False)
    assert now.state is State.FIRING
