"""Durations as people type them (`30s`, `5m`, `2h`, `1d`, `1h30m`, `2d12h`): one grammar (all
four units everywhere, alone or combined as replies print them), one conversion to a timedelta,
and limits by value for command options, said in one wording; and moments
(`2026-11-01T14:00`, `14:00`, `yesterday 14:00`, `2h ago`), in UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ValidationInfo

from shared.times import moment as shown_at

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_PATTERN = r"(?:[0-9]+[smhd])+"
"""A duration: one or more amounts, each ASCII digits then its unit (seconds, minutes, hours or
days): `90s`, `1h30m`, `2d12h` (no groups: it goes inside other patterns). Not `\\d`: it takes
any script's digits (a full-width five), which no one means to type."""
_PART = re.compile(r"([0-9]+)([smhd])")
DURATION_FORMS = "30m, 2h, 1h30m or 2d"
"""How a refusal shows the forms of a duration."""
_FOREVER = 10**12
"""Seconds beyond any limit (31,000 years) and within what a timedelta holds: `99999999999d` is
too long, not a crash."""


def to_timedelta(text: str) -> timedelta:
    """`30s`, `5m`, `2h`, `1d`, `1h30m` as a timedelta; a ValueError naming the forms if it is
    not one."""
    if re.fullmatch(DURATION_PATTERN, text) is None:
        raise ValueError(f"`{text[:40]}` is not a duration: write it like {DURATION_FORMS}")
    seconds = sum(int(amount) * _SECONDS[unit] for amount, unit in _PART.findall(text))
    return timedelta(seconds=min(seconds, _FOREVER))


def smallest_unit(word: str) -> int | None:
    """The seconds of a duration's smallest unit (`1h30m`: 60), None for a word that is not a
    duration: a duration spaced as people write it (`1h 30m`) goes on in smaller units."""
    if re.fullmatch(DURATION_PATTERN, word) is None:
        return None
    return _SECONDS[word[-1]]


def written(span: timedelta) -> str:
    """A limit as it is typed: `90d`, `7d`, `1d`, `1m`, `1h30m`, `0s`."""
    seconds, parts = round(span.total_seconds()), []
    for unit, size in sorted(_SECONDS.items(), key=lambda item: -item[1]):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"


def bounded(*, at_least: timedelta, at_most: timedelta) -> AfterValidator:
    """A validator for `Annotated[str, ...]`: a duration in any unit from `at_least` to
    `at_most`, refused in one wording with the real reason and the limit as it is typed
    (`'10000d' is too long for --duration: at most 90d`). The limits are of the value, never of
    the unit: `120s` is `2m`."""

    def check(text: str, info: ValidationInfo) -> str:
        label = f"--{(info.field_name or 'duration').replace('_', '-')}"
        try:
            value = to_timedelta(text)
        except ValueError:
            raise ValueError(
                f"`{text[:40]}` is not a duration for {label}: write it like {DURATION_FORMS}"
            ) from None
        if value > at_most:
            raise ValueError(f"`{text[:40]}` is too long for {label}: at most {written(at_most)}")
        if value < at_least:
            raise ValueError(f"`{text}` is too short for {label}: at least {written(at_least)}")
        return text

    return AfterValidator(check)


_AGO = re.compile(rf"({DURATION_PATTERN})\s+ago")
_UNIT_WORDS = {
    **dict.fromkeys(("second", "seconds", "sec", "secs"), "s"),
    **dict.fromkeys(("minute", "minutes", "min", "mins"), "m"),
    **dict.fromkeys(("hour", "hours", "hr", "hrs"), "h"),
    **dict.fromkeys(("day", "days"), "d"),
}
_SPELT_PART = re.compile(rf"([0-9]+)\s*({'|'.join(_UNIT_WORDS)})\b")
_SPELT_AGO = re.compile(rf"((?:[0-9]+\s*(?:{'|'.join(_UNIT_WORDS)})\s+)+)ago")
"""A time ago spelt out: `2 hours ago`, `90 mins ago`, `1 day 6 hours ago`."""
_SPELT_WORD = re.compile(rf"[0-9]+|[0-9]*(?:{'|'.join(_UNIT_WORDS)})")
"""A word of one: a number, a unit, or both (`2hours`)."""
AGO_WORDS = 17
"""The most words a time ago spelt out takes: `1 day 2 hours 30 mins 10 secs ago` is 9."""
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
_DAY = re.compile(rf"(today|yesterday)(?:\s+{_CLOCK.pattern})?", re.ASCII)
MOMENT_FORMS = "2026-11-01, 2026-11-01T14:00, 14:00 (today), yesterday 14:00, 2h ago or 2 hours ago"
"""The forms a moment is written in, as a refusal lists them."""


def _at(day: datetime, hour: str | None, minute: str | None) -> datetime:
    if hour is None or minute is None:
        return day.replace(hour=0, minute=0, second=0, microsecond=0)
    if int(hour) > 23 or int(minute) > 59:
        raise ValueError(f"`{hour}:{minute}` is not a time of day: write it like 14:00")
    return datetime.combine(day.date(), time(int(hour), int(minute)), tzinfo=UTC)


def moment(text: str, *, now: datetime) -> datetime:
    """A moment as people type it, relative to `now` (UTC) or absolute; a ValueError saying the
    forms there are otherwise (one beyond the calendar, `9999999d ago`, too)."""
    try:
        return _moment(text, now=now)
    except OverflowError:
        raise ValueError(f"`{text[:40]}` is not a time: write {MOMENT_FORMS}") from None


def _moment(text: str, *, now: datetime) -> datetime:
    said = " ".join(text.lower().split())
    if said == "now":
        return now
    if found := _AGO.fullmatch(said):
        return now - to_timedelta(found[1])
    if found := _SPELT_AGO.fullmatch(said):
        parts = _SPELT_PART.findall(found[1])
        return now - to_timedelta("".join(f"{n}{_UNIT_WORDS[unit]}" for n, unit in parts))
    if found := _DAY.fullmatch(said):
        day = now if found[1] == "today" else now - timedelta(days=1)
        return _at(day, found[2], found[3])
    if found := _CLOCK.fullmatch(said):
        return _at(now, found[1], found[2])
    try:
        parsed = datetime.fromisoformat(said.upper())
    except ValueError:
        raise ValueError(f"`{text[:40]}` is not a time: write {MOMENT_FORMS}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _typed_moment(value: object, info: ValidationInfo) -> object:
    """A typed moment resolved against the clock the command was read by (the real one if none
    was given); `--since` in the future is refused: there is nothing there yet."""
    if not isinstance(value, str):
        return value
    context = info.context if isinstance(info.context, dict) else {}
    now = context.get("now")
    at = moment(value, now=now if isinstance(now, datetime) else datetime.now(UTC))
    if info.field_name == "since" and isinstance(now, datetime) and at > now:
        raise ValueError(
            f"is in the future: {shown_at(at, today=now)} is after now"
            f" ({shown_at(now, today=now)}); give a time already past, like 2h ago"
        )
    return at


def ago_words(words: list[str]) -> int:
    """How many of `words` a time ago spelt out takes (`2 hours ago`: 3, `1 day 6 hours ago`: 5),
    or 0 if they do not begin with one (numbers and units up to `ago`, at most AGO_WORDS)."""
    for end, word in enumerate(words[:AGO_WORDS]):
        said = word.lower()
        if said == "ago":
            return end + 1 if _SPELT_AGO.fullmatch(" ".join(words[: end + 1]).lower()) else 0
        if not _SPELT_WORD.fullmatch(said):
            return 0
    return 0


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Moment = Annotated[datetime, BeforeValidator(_typed_moment), AfterValidator(_utc)]
"""A moment (`2026-11-01`, `2026-11-01T14:00`, `14:00`, `yesterday 14:00`, `2h ago`), in UTC."""
Since = Moment | None
