"""The sequential test of two helpful rates, looked at after every investigation."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from shared.judging.stats import binomial_tail
from shared.prompts.sequential import Counts, Decision, compare

ALPHA = 0.05


def _first_decision(
    control_rate: float, variant_rate: float, seed: int, *, trials: int
) -> Decision:
    """Alternate the arms for `trials` investigations, looking after every one."""
    rng = random.Random(seed)
    control, variant = Counts(successes=0, trials=0), Counts(successes=0, trials=0)
    for i in range(trials):
        if i % 2:
            hit = rng.random() < variant_rate
            variant = Counts(successes=variant.successes + hit, trials=variant.trials + 1)
        else:
            hit = rng.random() < control_rate
            control = Counts(successes=control.successes + hit, trials=control.trials + 1)
        decision = compare(control, variant, alpha=ALPHA)
        if decision is not Decision.UNDECIDED:
            return decision
    return Decision.UNDECIDED


def test_equal_rates_rarely_ever_decide_despite_a_look_after_every_investigation() -> None:
    # Given A/A (0.6 against 0.6), 2,000 investigations per run, a look after each
    runs = 200
    decided = sum(
        _first_decision(0.6, 0.6, seed, trials=2_000) is not Decision.UNDECIDED
        for seed in range(runs)
    )
    # Then the share of runs that ever said BETTER or WORSE is within alpha: more than `limit`
    # would happen under a true error rate of alpha less than once in a thousand suites
    limit = next(c for c in range(runs + 1) if binomial_tail(c, runs, ALPHA) < 1e-3)
    assert decided < limit, f"{decided} of {runs} A/A runs decided (limit {limit})"


def test_equal_rates_rarely_decide_when_the_control_gets_a_tenth_of_the_traffic() -> None:
    # Given A/A where Thompson sampling has squeezed the control down to 10% of investigations
    runs = 100
    decided = 0
    for seed in range(runs):
        rng = random.Random(seed)
        seen = {"control": [0, 0], "variant": [0, 0]}
        for _ in range(2_000):
            arm = seen["control" if rng.random() < 0.1 else "variant"]
            arm[0] += rng.random() < 0.6
            arm[1] += 1
            control, variant = (Counts(successes=s, trials=t) for s, t in seen.values())
            if compare(control, variant, alpha=ALPHA) is not Decision.UNDECIDED:
                decided += 1
                break
    # Then unequal arms do not inflate the error either
    limit = next(c for c in range(runs + 1) if binomial_tail(c, runs, ALPHA) < 1e-3)
    assert decided < limit, f"{decided} of {runs} A/A runs decided (limit {limit})"


def test_a_clearly_better_variant_is_found_better_and_never_worse() -> None:
    runs = 100
    seen = [_first_decision(0.55, 0.70, seed, trials=2_000) for seed in range(runs)]
    assert seen.count(Decision.BETTER) >= 0.9 * runs
    assert Decision.WORSE not in seen


def test_a_clearly_worse_variant_is_found_worse() -> None:
    seen = [_first_decision(0.70, 0.55, seed, trials=2_000) for seed in range(30)]
    assert seen.count(Decision.WORSE) >= 27
    assert Decision.BETTER not in seen


def test_no_decision_before_each_arm_has_its_minimum() -> None:
    # 29 of 29 against 0 of 29 is stark, but too few to judge
    assert (
        compare(Counts(successes=0, trials=29), Counts(successes=29, trials=29))
        is Decision.UNDECIDED
    )
    assert (
        compare(Counts(successes=0, trials=30), Counts(successes=30, trials=30)) is Decision.BETTER
    )


def test_identical_answers_are_no_evidence() -> None:
    same = Counts(successes=40, trials=40)
    assert compare(same, same) is Decision.UNDECIDED


def test_more_successes_than_trials_is_refused() -> None:
    with pytest.raises(ValidationError, match="3 successes out of only 2 trials"):
        Counts(successes=3, trials=2)
