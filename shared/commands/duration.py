"""Durations as people type them (`30s`, `5m`, `2h`, `1d`): one grammar, one conversion to a
timedelta, and bounded variants for command options; and moments (`2026-11-01T14:00`), in UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EXAMPLES = {"s": "30s", "m": "5m", "h": "2h", "d": "1d"}
UNITS = "smhd"
"""Every unit of the grammar: seconds, minutes, hours, days."""


def duration_pattern(units: str = UNITS) -> str:
    """The regular expression of a duration in `units`: one to four digits, then the unit
    (two groups: the amount and the unit)."""
    return rf"(\d{{1,4}})([{units}])"


def to_timedelta(text: str, units: str = UNITS) -> timedelta:
    """`30s`, `5m`, `2h`, `1d` as a timedelta; a ValueError naming the form if it is not one."""
    found = re.fullmatch(duration_pattern(units), text)
    if found is None:
        shown = [_EXAMPLES[unit] for unit in units]
        raise ValueError(
            f"`{text}` is not a duration: write {', '.join(shown[:-1])} or {shown[-1]}"
        )
    return timedelta(seconds=int(found[1]) * _SECONDS[found[2]])


def written_in(units: str = UNITS) -> AfterValidator:
    """A validator for `Annotated[str, ...]`: a duration of the grammar in `units`; for any other
    text, the ValueError of `to_timedelta` naming the form."""

    def check(text: str) -> str:
        to_timedelta(text, units)
        return text

    return AfterValidator(check)


def bounded(
    *,
    at_least: timedelta,
    at_most: timedelta,
    refusal: str,
    too_long: str | None = None,
    units: str = UNITS,
) -> AfterValidator:
    """A validator for `Annotated[str, ...]`: a duration in `units` from `at_least` to
    `at_most`; `refusal` for any other text (`too_long`, if given, for one above `at_most`)."""

    def check(text: str) -> str:
        try:
            value = to_timedelta(text, units)
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
