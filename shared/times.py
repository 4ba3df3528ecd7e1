"""How replies write times and periods: with dates whenever a period crosses midnight UTC."""

from __future__ import annotations

from datetime import datetime


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
