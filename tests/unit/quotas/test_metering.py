"""How a batched read's provider calls are split between the teams whose policies it served."""

from __future__ import annotations

import pytest

from shared.identity.models import OrgId
from shared.quotas.metering import shares

A, B, C = (OrgId("slack:T1"), "payments"), (OrgId("slack:T1"), "search"), (OrgId("teams:X"), "web")


@pytest.mark.parametrize(
    ("calls", "weights", "split"),
    [
        (1, {A: 1}, {A: 1}),
        (4, {A: 3, B: 1}, {A: 3, B: 1}),
        (6, {A: 1, B: 1, C: 1}, {A: 2, B: 2, C: 2}),
        (0, {A: 2, B: 1}, {A: 0, B: 0}),
    ],
)
def test_calls_that_divide_evenly_are_split_by_policies(
    calls: int, weights: dict[tuple[OrgId, str], int], split: dict[tuple[OrgId, str], int]
) -> None:
    assert shares(calls, weights, draw="09:30") == split


@pytest.mark.parametrize("calls", [1, 2, 7, 500])
def test_every_call_of_a_read_is_charged_once_each_team_its_share_rounded(calls: int) -> None:
    weights = {A: 5, B: 3, C: 2}
    for minute in range(60):
        split = shares(calls, weights, draw=f"09:{minute:02}")
        assert sum(split.values()) == calls
        for payer, weight in weights.items():
            assert split[payer] - calls * weight // 10 in (0, 1)


def test_one_call_reads_are_paid_by_each_team_in_proportion_to_its_policies_over_time() -> None:
    # GIVEN payments with two of a read's policies and search with one, read once a minute
    paid = {A: 0, B: 0}
    for minute in range(24 * 60):
        for payer, share in shares(1, {A: 2, B: 1}, draw=f"minute {minute}").items():
            paid[payer] += share
    # THEN over a day payments paid about two thirds of the calls and search about one third
    assert paid[A] + paid[B] == 24 * 60
    assert 0.6 < paid[A] / (24 * 60) < 0.72


def test_the_same_read_is_split_the_same_way_every_time() -> None:
    assert shares(1, {A: 1, B: 1}, draw="x") == shares(1, {A: 1, B: 1}, draw="x")


def test_a_read_that_served_no_policy_is_charged_to_no_one() -> None:
    assert shares(3, {}) == {}
