"""How replies write times, periods and durations: a time that is not today carries its date, a
period that crosses midnight UTC dates both ends, a duration reads `5m`, `2h`, `2 days`."""

from __future__ import annotations

from datetime import datetime, timedelta

_UNITS = (("h", 3600), ("m", 60), ("s", 1))


def clock(at: datetime, *, days: bool) -> str:
    """A time as the page and chart write it: `22:30`, or `29 Nov 22:30` across days."""
    return f"{at:%d %b %H:%M}" if days else f"{at:%H:%M}"


def spans_days(start: datetime, end: datetime) -> bool:
    """Whether a period needs dates to be read (it crosses midnight UTC)."""
    return start.date() != end.date()


def period(start: datetime, end: datetime, *, days: bool | None = None) -> str:
    """`22:38 to 23:18 UTC` (an en dash between), with dates when the period crosses midnight
    (or when `days` says so: a baseline shown beside a window of several days)."""
    days = spans_days(start, end) if days is None else days
    same_day = days and start.date() == end.date()
    return f"{clock(start, days=days)}\N{EN DASH}{clock(end, days=days and not same_day)} UTC"


def moment(at: datetime, *, today: datetime) -> str:
    """A time as a reply writes it: `23:10 UTC` on the day of `today`, else with its date
    (`Wed 2 Dec 23:10 UTC`, and the year when it is not `today`'s)."""
    if at.date() == today.date():
        return f"{at:%H:%M} UTC"
    year = f" {at.year}" if at.year != today.year else ""
    return f"{at:%a} {at.day} {at:%b}{year} {at:%H:%M} UTC"


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
