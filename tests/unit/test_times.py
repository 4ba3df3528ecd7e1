"""Times and durations as every reply writes them: a time not of today carries its date, a
duration reads as people say it (never `0:05:00` or `1 day, 0:00:00`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.times import length, moment, period

TODAY = datetime(2026, 11, 30, 23, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("span", "said"),
    [
        (timedelta(minutes=5), "5m"),
        (timedelta(seconds=90), "1m 30s"),
        (timedelta(hours=2), "2h"),
        (timedelta(minutes=150), "2h 30m"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=48), "2 days"),
        (timedelta(hours=30), "1 day 6h"),
        (timedelta(0), "0s"),
    ],
)
def test_a_duration_reads_as_people_say_it(span: timedelta, said: str) -> None:
    assert length(span) == said


def test_a_time_of_today_has_no_date_and_any_other_has_its_date() -> None:
    assert moment(TODAY.replace(hour=9), today=TODAY) == "09:10 UTC"
    assert moment(TODAY + timedelta(hours=48), today=TODAY) == "Wed 2 Dec 23:10 UTC"
    assert moment(TODAY - timedelta(days=1), today=TODAY) == "Sun 29 Nov 23:10 UTC"
    assert moment(TODAY + timedelta(days=40), today=TODAY) == "Sat 9 Jan 2027 23:10 UTC"


def test_a_window_over_a_day_dates_both_ends() -> None:
    start = TODAY - timedelta(days=2)
    assert period(start, TODAY) == "Sat 28 Nov 23:10 \N{EN DASH} Mon 30 Nov 23:10 UTC"


def test_a_period_within_a_day_gives_its_date_once_unless_it_is_today() -> None:
    start = TODAY.replace(hour=7, minute=0)
    assert period(start, start + timedelta(hours=2), today=TODAY) == "07:00\N{EN DASH}09:00 UTC"
    earlier = start - timedelta(days=8)
    assert period(earlier, earlier + timedelta(hours=2), today=TODAY) == (
        "Sun 22 Nov 07:00\N{EN DASH}09:00 UTC"
    )
