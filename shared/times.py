"""How replies write times, periods and durations, in one style: `10:11 UTC` today, else
`Wed 2 Dec 10:11 UTC`; a period `10:11–12:11 UTC` within one day (its date once when it is not
today), `Wed 2 Dec 10:11 – Thu 3 Dec 10:11 UTC` across midnight UTC; a duration `5m`, `2 days`."""

from __future__ import annotations

from datetime import datetime, time, timedelta

_UNITS = (("h", 3600), ("m", 60), ("s", 1))


def day(at: datetime, *, today: datetime | None = None) -> str:
    """A date as a reply writes it: `Wed 2 Dec`, with the year when it is not `today`'s."""
    year = f" {at.year}" if today is not None and at.year != today.year else ""
    return f"{at:%a} {at.day} {at:%b}{year}"


def clock(at: datetime, *, days: bool, seconds: bool = False) -> str:
    """A time in a list of times (no `UTC` after each): `22:30`, or `Sun 29 Nov 22:30` when the
    list needs dates (`22:30:10` when `seconds`: data read at a step under a minute)."""
    text = _hm(at, seconds=seconds)
    return f"{day(at)} {text}" if days else text


def _hm(at: datetime, *, seconds: bool) -> str:
    return f"{at:%H:%M:%S}" if seconds else f"{at:%H:%M}"


def spans_days(start: datetime, end: datetime) -> bool:
    """Whether a period needs dates to be read (it crosses midnight UTC)."""
    return start.date() != end.date()


def period(
    start: datetime,
    end: datetime,
    *,
    today: datetime | None = None,
    days: bool | None = None,
    seconds: bool = False,
) -> str:
    """`22:38–23:18 UTC`; with its date once when it is not of the day of `today` (or when
    `days` says so), `Sun 22 Nov 07:00–09:00 UTC`; across midnight both ends dated,
    `Wed 2 Dec 10:11 – Thu 3 Dec 10:11 UTC`. Without `today` (a chart, the page) a period
    within one day is written without its date unless `days` asks for it. To the second
    (`08:00:00–08:00:30 UTC`) when `seconds`."""
    since, until = _hm(start, seconds=seconds), _hm(end, seconds=seconds)
    if spans_days(start, end):
        since, until = f"{day(start, today=today)} {since}", f"{day(end, today=today)} {until}"
        return f"{since} \N{EN DASH} {until} UTC"
    if days is None:
        days = today is not None and start.date() != today.date()
    date = f"{day(start, today=today)} " if days else ""
    return f"{date}{since}\N{EN DASH}{until} UTC"


def moment(at: datetime, *, today: datetime, seconds: bool = False) -> str:
    """A time as a reply writes it: `23:10 UTC` on the day of `today`, else with its date
    (`Wed 2 Dec 23:10 UTC`, and the year when it is not `today`'s); to the second when
    `seconds`."""
    if at.date() == today.date():
        return f"{_hm(at, seconds=seconds)} UTC"
    return f"{day(at, today=today)} {_hm(at, seconds=seconds)} UTC"


def length(span: timedelta) -> str:
    """A duration as people say it: `30s`, `5m`, `2h`, `1h 30m`, `2 days`, `1 day 6h`."""
    seconds = round(span.total_seconds())
    if seconds <= 0:
        return "0s"
    days, seconds = divmod(seconds, 86400)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    for unit, size in _UNITS:
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts)


def whole_minutes(span: timedelta) -> timedelta:
    """`span` without its part of a minute: how long something lasted as a minute's tick says."""
    return timedelta(minutes=span // timedelta(minutes=1))


def span_of_day(start: time, end: time) -> str:
    """Two times of any day as a span a person types: `10:00-12:00` (a weekly window's hours)."""
    return f"{start:%H:%M}-{end:%H:%M}"
