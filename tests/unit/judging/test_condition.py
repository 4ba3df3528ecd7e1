"""A condition as people write it: spaces around the comparison or none, a value without its
leading 0, `for` before or after `M of N`, any case; a signal's name spelt out gets a
suggestion (each of these was refused with the same generic answer; a newcomer's afternoon)."""

from __future__ import annotations

import re

import pytest

from shared.judging.condition import parse


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("error_rate>2%", "error_rate > 2%"),
        ("error_rate > .5%", "error_rate > 0.5%"),
        ("ERROR_RATE > 2%", "error_rate > 2%"),
        ("error_rate > 2% 3 of 5 for 5m", "error_rate > 2% for 5m 3 of 5"),
        ("error_rate > 2% for 5m 3 of 5", "error_rate > 2% for 5m 3 of 5"),
        ("p99_latency>=1.5s", "p99_latency >= 1500ms"),
        ("error_rate anomalous for 10m", "error_rate anomalous for 10m"),
    ],
)
def test_a_condition_is_read_as_people_write_it(typed: str, read: str) -> None:
    assert parse(typed).text() == read


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("error rate > 2%", "is not a condition (did you mean `error_rate`?)"),
        ("error_rate > 2% for 5m 3 of 5 for 2m", "says `for` twice: give one"),
        ("error_rateanomalous", "is not a condition: write `p99_latency > 800ms for 5m`"),
    ],
)
def test_a_condition_that_is_not_one_says_why(typed: str, said: str) -> None:
    with pytest.raises(ValueError, match=re.escape(said)):
        parse(typed)
