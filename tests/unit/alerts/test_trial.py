"""What `alert test` says of one evaluation, in words: M of N counted over the last N points,
missing ones named; the latest value in its unit, and never called "now" once the data stopped."""

from __future__ import annotations

from datetime import timedelta

from shared.alerts.evaluator import Evaluation
from shared.alerts.models import AlertPolicy
from shared.alerts.states import Instance, State
from shared.alerts.trial import chart_of, hold_text, points_text, value_text
from shared.judging.condition import parse
from tests.support import NOW

MINUTE = timedelta(minutes=1)


def _evaluation(
    when: str, slots: list[float | None], *, stopped: int = 0, after: Instance | None = None
) -> Evaluation:
    """`slots` judged up to NOW, the signal's points the same values, the last read `stopped`
    minutes before the judged periods began."""
    policy = AlertPolicy(
        org="slack:T1",
        team="payments",
        name="errors",
        service="checkout-api",
        condition=parse(when),
        created_by="oli",
        created_at=NOW,
    )
    first = NOW - MINUTE * len(slots)
    points = [(first + MINUTE * i, v) for i, v in enumerate(slots) if v is not None]
    if stopped:
        points = [(first - MINUTE * stopped, 3.0)]
    return Evaluation(
        policy=policy,
        at=NOW,
        value=None,
        active=None,
        after=after or Instance(),
        slots=tuple(slots),
        points=tuple(points),
    )


def test_m_of_n_counts_the_last_n_points_and_names_the_missing_ones() -> None:
    ev = _evaluation("error_rate > 2% 3 of 5", [None, None, 3.0, None, 1.0, 2.5, None])
    assert points_text(ev) == (
        "2 of the last 5 points breach `error_rate > 2%`, 2 have no data (it takes 3 of 5)"
    )


def test_m_of_n_with_gaps_counts_the_latest_n_real_points_as_the_judgement_does() -> None:
    # the range holds 5 real points: CloudWatch judges those, and so does the text
    ev = _evaluation("error_rate > 2% 3 of 5", [9.0, 9.0, 3.0, None, 1.0, 2.5, None])
    assert points_text(ev) == "4 of the latest 5 points breach `error_rate > 2%` (it takes 3 of 5)"


def test_one_point_is_said_of_the_latest() -> None:
    assert points_text(_evaluation("p99_latency > 800ms", [900.0, 700.0])) == (
        "the latest point does not breach `p99_latency > 800ms`"
    )


def test_the_latest_value_has_its_unit_and_is_not_now_once_the_data_stopped() -> None:
    assert value_text(_evaluation("error_rate > 2%", [1.0, 3.25])) == "error rate now 3.25%"
    stopped = value_text(_evaluation("error_rate > 2%", [None, None, None], stopped=30))
    # (how long ago it stopped, not the judged span: "no point in the last 3m" read as if the
    # data had stopped 3 minutes ago)
    assert stopped == (
        "error rate: no point since 08:57 UTC, 33m ago (the latest, 3%; the last 3m are judged)"
    )


def test_a_pending_alert_says_how_long_it_has_held_of_its_for() -> None:
    pending = Instance(state=State.PENDING, active_at=NOW - 2 * MINUTE)
    ev = _evaluation("error_rate > 2% for 5m", [3.0, 3.0, 3.0], after=pending)
    assert hold_text(ev) == "it has held for 2m of the 5m it needs before it fires"


def test_the_chart_marks_the_breaching_points_of_the_judged_periods() -> None:
    ev = _evaluation("error_rate > 2% 2 of 3", [5.0, 1.0, 3.0, 4.0])
    chart = chart_of(ev)
    assert chart.threshold == 2.0
    assert chart.judged_from == NOW - 3 * MINUTE
    assert chart.breaching == (NOW - 2 * MINUTE, NOW - MINUTE)
    assert chart.signal == "error rate (%)"


def test_a_pending_alert_that_began_this_minute_says_so() -> None:
    pending = Instance(state=State.PENDING, active_at=NOW)
    ev = _evaluation("error_rate > 2% for 5m", [3.0], after=pending)
    assert hold_text(ev) == (
        "it began to hold at this evaluation (`for` counts from the first evaluation that sees "
        "it hold), and fires once it has held for 5m"
    )


def test_a_last_minute_without_a_point_says_the_latest_before_it_was_judged() -> None:
    # GIVEN p99 latency whose data stopped 3 minutes ago, above the threshold until then
    ev = _evaluation("p99_latency > 800ms", [900.0, 904.0, None, None])
    # THEN the test says which point it judged, and does not call that point "now"
    assert points_text(ev) == (
        "the last minute has no point, so the latest before it is judged: it breaches "
        "`p99_latency > 800ms`"
    )
    assert value_text(ev) == "p99 latency: latest 904 ms, at 09:27 UTC"  # NOW is 09:30


def test_with_one_minute_missing_the_latest_point_is_not_now_either() -> None:
    ev = _evaluation("p99_latency > 800ms", [900.0, 904.0, None])
    assert points_text(ev).startswith("the last minute has no point, so the latest before it")
    assert value_text(ev) == "p99 latency: latest 904 ms, at 09:28 UTC"
