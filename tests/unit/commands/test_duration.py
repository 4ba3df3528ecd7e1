"""One duration grammar: what it accepts, what it converts to, and how a bounded one refuses (one
wording for every field, the limit written as it is typed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from shared.commands.duration import bounded, to_timedelta, written


class _Option(BaseModel):
    every: Annotated[str, bounded(at_least=timedelta(minutes=1), at_most=timedelta(hours=2))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("9999s", timedelta(seconds=9999)),
        ("10000s", timedelta(seconds=10000)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d12h", timedelta(days=2, hours=12)),
        ("1h30m15s", timedelta(hours=1, minutes=30, seconds=15)),
    ],
)
def test_each_unit_alone_or_combined_converts_to_its_length(text: str, expected: timedelta) -> None:
    assert to_timedelta(text) == expected


@pytest.mark.parametrize("text", ["", "5", "m", "1.5h", "5 m", "1h 30m", "-5m", "5w", "1h3"])
def test_anything_else_is_refused_with_the_form_to_write(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration: write it like 30m, 2h, 1h30m or 2d"):
        to_timedelta(text)


@pytest.mark.parametrize("text", ["120s", "7200s", "2h", "1m", "60s", "1h30m"])
def test_a_bounded_duration_is_limited_by_its_value_in_any_unit(text: str) -> None:
    assert _Option(every=text).every == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("30s", "`30s` is too short for --every: at least 1m"),
        ("0m", "`0m` is too short for --every: at least 1m"),
        ("soon", "`soon` is not a duration for --every: write it like 30m, 2h, 1h30m or 2d"),
        ("3h", "`3h` is too long for --every: at most 2h"),
        ("2h0m1s", "`2h0m1s` is too long for --every: at most 2h"),
        ("7201s", "`7201s` is too long for --every: at most 2h"),
        ("1d", "`1d` is too long for --every: at most 2h"),
        ("99999999999999d", "is too long for --every: at most 2h"),
    ],
)
def test_a_bounded_duration_refuses_in_one_wording_with_its_limit(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _Option(every=text)


@pytest.mark.parametrize(
    ("span", "typed"),
    [
        (timedelta(days=90), "90d"),
        (timedelta(hours=9999), "416d15h"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(0), "0s"),
    ],
)
def test_a_limit_is_written_as_people_type_it(span: timedelta, typed: str) -> None:
    assert written(span) == typed


def test_a_bounded_duration_keeps_the_text_as_written() -> None:
    assert _Option(every="90m").every == "90m"
    assert to_timedelta(_Option(every="2h").every) == timedelta(hours=2)


def test_an_amount_with_leading_zeros_is_read_whole() -> None:
    assert to_timedelta("00000000000001d") == timedelta(days=1)
