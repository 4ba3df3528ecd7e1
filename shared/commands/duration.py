"""Durations as people type them (`30s`, `5m`, `2h`, `1d`): one grammar (all four units
everywhere), one conversion to a timedelta, and limits by value for command options; and moments
(`2026-11-01T14:00`), in UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_PATTERN = r"(\d{1,4})([smhd])"
"""A duration: one to four digits, then the unit: seconds, minutes, hours or days (two groups:
the amount and the unit)."""


def to_timedelta(text: str) -> timedelta:
    """`30s`, `5m`, `2h`, `1d` as a timedelta; a ValueError naming the form if it is not one."""
    found = re.fullmatch(DURATION_PATTERN, text)
    if found is None:
        raise ValueError(f"`{text}` is not a duration: write 30s, 5m, 2h or 1d")
    return timedelta(seconds=int(found[1]) * _SECONDS[found[2]])


def bounded(
    *,
    at_least: timedelta,
    at_most: timedelta,
    refusal: str,
    too_long: str | None = None,
) -> AfterValidator:
    """A validator for `Annotated[str, ...]`: a duration in any unit from `at_least` to
    `at_most`; `refusal` for any other text (`too_long`, if given, for one above `at_most`).
    The limits are of the value, never of the unit: `120s` is `2m`."""

    def check(text: str) -> str:
        try:
            value = to_timedelta(text)
        except ValueError:
            raise ValueError(refusal) from None
        if value > at_most and too_long is not None:
            raise ValueError(too_long)
        if not at_least <= value <= at_most:
            raise ValueError(refusal)
        return text

    return AfterValidator(check)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Moment = Annotated[datetime, AfterValidator(_utc)]
"""A date or time (`2026-11-01`, `2026-11-01T14:00`), in UTC unless it says otherwise."""
Since = Moment | None
