"""One duration grammar: what it accepts, what it converts to, and how a bounded one refuses."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from shared.commands.duration import bounded, to_timedelta


class _Option(BaseModel):
    every: Annotated[
        str,
        bounded(
            at_least=timedelta(minutes=1),
            at_most=timedelta(hours=2),
            refusal="from 1m to 2h",
            too_long="at most 2h: longer is not kept",
        ),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("9999s", timedelta(seconds=9999)),
        ("10000s", timedelta(seconds=10000)),
    ],
)
def test_each_unit_converts_to_its_length(text: str, expected: timedelta) -> None:
    assert to_timedelta(text) == expected


@pytest.mark.parametrize("text", ["", "5", "m", "1.5h", "5 m", "1h30m", "-5m", "5w"])
def test_anything_else_is_refused_with_the_form_to_write(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration: write it like 30s, 5m, 2h or 1d"):
        to_timedelta(text)


@pytest.mark.parametrize("text", ["120s", "7200s", "2h", "1m", "60s"])
def test_a_bounded_duration_is_limited_by_its_value_in_any_unit(text: str) -> None:
    assert _Option(every=text).every == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("30s", "`30s` is too short: from 1m to 2h"),
        ("0m", "`0m` is too short: from 1m to 2h"),
        ("soon", "`soon` is not a duration: from 1m to 2h"),
        ("3h", "`3h` is too long: at most 2h: longer is not kept"),
        ("7201s", "`7201s` is too long: at most 2h: longer is not kept"),
        ("1d", "`1d` is too long: at most 2h: longer is not kept"),
        ("59s", "`59s` is too short: from 1m to 2h"),
        ("99999999999999d", "is too long: at most 2h: longer is not kept"),
    ],
)
def test_a_bounded_duration_refuses_with_its_own_message(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _Option(every=text)


class _Window(BaseModel):
    window: Annotated[
        str,
        bounded(
            at_least=timedelta(0), at_most=timedelta(days=90), refusal="at most 90d, like 2h or 1d"
        ),
    ]


def test_a_duration_above_its_limit_says_so_with_the_limit_in_its_largest_unit() -> None:
    with pytest.raises(ValidationError, match="`10000d` is too long: at most 90d"):
        _Window(window="10000d")


def test_a_bounded_duration_keeps_the_text_as_written() -> None:
    assert _Option(every="90m").every == "90m"
    assert to_timedelta(_Option(every="2h").every) == timedelta(hours=2)
