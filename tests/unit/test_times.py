"""Times and durations as every reply writes them: a time not of today carries its date, a
duration reads as people say it (never `0:05:00` or `1 day, 0:00:00`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


def test_replies_write_dates_only_through_shared_times() -> None:
    # GIVEN the code that writes replies (charts keep their compact axis labels; the audit
    # trail stores ISO times, which these patterns do not match)
    root = Path(__file__).parents[2]
    exempt = {
        "shared/times.py",
        "shared/adapters/charts.py",
        "shared/adapters/alert_charts.py",
        "shared/adapters/canary_charts.py",
        "shared/investigations/grounding.py",  # a parser of the dates a narrative may write
        "shared/prompts/prompting.py",  # what a model is shown (ISO-like), not a reply
        "shared/quotas/models.py",  # a quota window's storage key, not a reply
    }
    styles = re.compile(r"%Y-%m-%d[^T]|%d %b|:%H:%M\}|strftime")
    # WHEN it is searched for a date written by hand
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for folder in ("shared", "bots")
        for path in sorted((root / folder).rglob("*.py"))
        if str(path.relative_to(root)) not in exempt
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if styles.search(line)
    ]
    # THEN there is none: one style (`Sun 22 Nov 09:30 UTC`) for every reply
    assert not found, "\n".join(found)
