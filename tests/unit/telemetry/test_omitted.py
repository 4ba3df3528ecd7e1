"""Counts the clouds leave out: 0 where a one-minute count has a hole, never past what the
provider has settled, never in a series of its own coarser step, never for a count never seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.telemetry.omitted import errors_where_requests, with_zeros

END = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
START = END - timedelta(minutes=30)


def _at(*minutes: int, value: float = 5.0) -> list[tuple[datetime, float]]:
    return [(START + timedelta(minutes=m), value) for m in minutes]


def test_a_hole_in_a_one_minute_count_is_0_up_to_the_last_settled_period() -> None:
    points = _at(0, 1, 2, 10, 11)
    filled = dict(with_zeros(points, start=START, end=END, step=60, stamped_at_start=True))
    assert [filled[START + timedelta(minutes=m)] for m in range(3, 10)] == [0.0] * 7
    # CloudWatch stamps a period with its start: 09:26 ended at 09:27, 3 minutes before 09:30
    assert max(filled) == START + timedelta(minutes=26)
    # Cloud Monitoring with its end: the point of the period that ended at 09:27 is 09:27
    ended = dict(with_zeros(points, start=START, end=END, step=60, stamped_at_start=False))
    assert max(ended) == START + timedelta(minutes=27)


def test_a_series_of_a_coarser_step_or_no_point_is_left_as_it_is() -> None:
    cron = _at(0, 5, 10, 15, 20, 25)  # a function a cron job invokes every 5 minutes
    assert with_zeros(cron, start=START, end=END, step=60, stamped_at_start=True) == cron
    assert with_zeros([], start=START, end=END, step=60, stamped_at_start=True) == []


def test_errors_are_0_where_there_were_requests_once_the_count_has_any_point() -> None:
    requests = _at(0, 1, 2, 3, value=100.0)
    assert errors_where_requests(_at(3), requests) == [*_at(0, 1, 2, value=0.0), *_at(3)]
    # a count with no point at all may be a misnamed metric: unknown, never 0% errors
    assert errors_where_requests([], requests) == []
