"""Thompson-sampling shares and the sticky hashed pick of a variant."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from shared.judging.stats import binomial_tail
from shared.prompts.selection import Arm, allocate, pick, probability_best


def _arms(*counts: tuple[str, float, float]) -> list[Arm]:
    return [Arm(name=name, successes=s, failures=f) for name, s, f in counts]


def test_shares_sum_to_one_and_keep_the_floor() -> None:
    # Given a clear loser among three arms
    arms = _arms(("a", 90, 10), ("b", 50, 50), ("c", 10, 90))
    # When the traffic is allocated with a 5% floor
    shares = allocate(arms, floor=0.05, burn_in=0, observed=200)
    # Then every arm keeps at least 5% and the shares add up to all the traffic
    assert math.isclose(sum(shares.values()), 1.0)
    assert min(shares.values()) >= 0.05
    assert shares["c"] == pytest.approx(0.05)


def test_burn_in_gives_equal_shares_whatever_the_evidence() -> None:
    arms = _arms(("a", 30, 0), ("b", 0, 30), ("c", 5, 5))
    shares = allocate(arms, floor=0.05, burn_in=50, observed=49)
    assert shares == {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}


def test_a_clearly_better_arm_gets_most_of_the_traffic() -> None:
    arms = _arms(("control", 55, 45), ("better", 75, 25))
    shares = allocate(arms, floor=0.05, burn_in=20, observed=200)
    assert shares["better"] > 0.9


def test_an_arm_with_no_evidence_is_a_fair_coin_not_an_error() -> None:
    # Beta(0 + 1, 0 + 1): two fresh arms are equally likely to be best
    shares = allocate(_arms(("a", 0, 0), ("b", 0, 0)), floor=0.0, burn_in=0, observed=10)
    assert shares["a"] == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize(
    ("arms", "floor", "said"),
    [
        ([], 0.05, "at least one variant"),
        (_arms(("a", 1, 1), ("a", 2, 2)), 0.05, "named twice"),
        (_arms(("a", 1, 1), ("b", 1, 1), ("c", 1, 1)), 0.4, "cannot hold for 3 variants"),
    ],
)
def test_an_impossible_allocation_is_refused_in_words(
    arms: list[Arm], floor: float, said: str
) -> None:
    with pytest.raises(ValueError, match=said):
        allocate(arms, floor=floor, burn_in=0, observed=0)


def test_pick_is_deterministic_and_sticky() -> None:
    weights = {"a": 0.2, "b": 0.5, "c": 0.3}
    keys = [f"inv-{i}" for i in range(500)]
    first = [pick(weights, key) for key in keys]
    # Same weights in another order: the same arm for every key
    assert [pick(dict(reversed(weights.items())), key) for key in keys] == first
    # Moving 10% from c to a shifts both boundaries: only keys near them change, each to a neighbour
    moved = [pick({"a": 0.3, "b": 0.5, "c": 0.2}, key) for key in keys]
    changed = [(old, new) for old, new in zip(first, moved, strict=True) if old != new]
    assert changed
    assert all(pair == ("b", "a") or pair == ("c", "b") for pair in changed)


def test_pick_splits_keys_as_the_weights_say() -> None:
    weights = {"a": 0.05, "b": 0.65, "c": 0.30}
    keys = 10_000
    seen = dict.fromkeys(weights, 0)
    for i in range(keys):
        seen[pick(weights, f"investigation-{i}")] += 1
    for name, share in weights.items():
        low, high = _binomial_bounds(keys, share, 5e-5)
        assert low <= seen[name] < high, (name, seen[name], low, high)


def _binomial_bounds(trials: int, share: float, tail: float) -> tuple[int, int]:
    """Counts outside [low, high) have probability below `tail` on each side."""
    high = _first(lambda c: binomial_tail(c, trials, share) <= tail, trials)
    low = _first(lambda c: 1 - binomial_tail(c + 1, trials, share) > tail, trials)
    return low, high


def _first(holds: Callable[[int], bool], top: int) -> int:
    """The smallest count in [0, top] for which the monotone `holds` is true (bisection)."""
    low, high = 0, top
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if holds(middle) else (middle + 1, high)
    return low


def test_pick_never_gives_a_retired_arm() -> None:
    assert {pick({"a": 0.0, "b": 1.0}, f"k{i}") for i in range(200)} == {"b"}
    with pytest.raises(ValueError, match="no variant"):
        pick({"a": 0.0}, "k")


def test_probability_best_is_what_thompson_draws_estimate_and_the_same_every_time() -> None:
    # Given three arms of close, uneven evidence
    arms = _arms(("a", 55, 45), ("b", 60, 40), ("c", 8, 2))
    # When each arm's probability of being best is computed, and estimated from 40,000 draws
    computed = probability_best(arms)
    rng = random.Random(11)
    wins = dict.fromkeys("abc", 0)
    for _ in range(40_000):
        drawn = [(rng.betavariate(arm.successes + 1, arm.failures + 1), arm.name) for arm in arms]
        wins[max(drawn)[1]] += 1
    # Then they agree within the draws' noise, and the same evidence gives the same shares
    for name, count in wins.items():
        assert computed[name] == pytest.approx(count / 40_000, abs=0.01), name
    assert probability_best(arms) == computed
    assert probability_best(_arms(("only", 3, 1))) == {"only": 1.0}
