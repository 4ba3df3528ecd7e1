"""Which variant an investigation's narrative gets: Thompson sampling sets each arm's share of the
traffic, and a hash of the investigation's key picks its arm from those shares, the same one every
time (sticky, as GrowthBook and Statsig assign: a thread's narrative never changes variant).

An arm's `successes` and `failures` are what was seen online plus the offline gate's pseudo-counts
(see `shared.prompts.gate`); `allocate` adds one of each on top, the uniform Beta(1, 1) base, so
an arm with nothing seen and no gate prior is still a proper Beta and gets a fair share."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence

from pydantic import Field

from shared.records import Frozen

_HASH_SPACE = float(2**64)


class Arm(Frozen):
    """One variant in an experiment, with its evidence: online results plus the gate's prior."""

    name: str = Field(min_length=1)
    successes: float = Field(ge=0)
    failures: float = Field(ge=0)


def allocate(
    arms: Sequence[Arm],
    *,
    floor: float,
    burn_in: int,
    observed: int,
    rng: random.Random,
    draws: int = 10_000,
) -> dict[str, float]:
    """Each arm's share of the traffic: the probability it is best (Thompson sampling over
    Beta(successes + 1, failures + 1), from `draws` samples), at least `floor` each, summing to
    1; equal shares while fewer than `burn_in` investigations were `observed`."""
    _check(arms, floor=floor, draws=draws)
    if observed < burn_in or len(arms) == 1:
        return {arm.name: 1 / len(arms) for arm in arms}
    best = _probability_best(arms, rng=rng, draws=draws)
    # Mixing with the floor keeps every share >= floor, the order of the shares, and the sum at 1.
    spare = 1 - floor * len(arms)
    return {name: floor + spare * share for name, share in best.items()}


def _check(arms: Sequence[Arm], *, floor: float, draws: int) -> None:
    """Refuse what has no allocation: no arms, a name twice, a floor they cannot all get."""
    if not arms:
        raise ValueError("an experiment needs at least one variant")
    names = [arm.name for arm in arms]
    if len(set(names)) != len(names):
        raise ValueError(f"a variant is named twice: {', '.join(sorted(names))}")
    if not 0 <= floor <= 1 / len(arms):
        raise ValueError(
            f"a floor of {floor:.0%} cannot hold for {len(arms)} variants "
            f"(at most {1 / len(arms):.0%} each)"
        )
    if draws < 1:
        raise ValueError("Thompson sampling needs at least one draw")


def _probability_best(arms: Sequence[Arm], *, rng: random.Random, draws: int) -> dict[str, float]:
    """The share of `draws` in which each arm's sampled rate was the highest."""
    wins = dict.fromkeys((arm.name for arm in arms), 0)
    for _ in range(draws):
        sampled = [(rng.betavariate(arm.successes + 1, arm.failures + 1), arm.name) for arm in arms]
        wins[max(sampled)[1]] += 1
    return {name: count / draws for name, count in wins.items()}


def pick(weights: Mapping[str, float], key: str) -> str:
    """The arm for `key`: its SHA-256 as a point in [0, 1), mapped through the cumulative weights
    in name order; the same key gets the same arm for the same weights, and changes arm only when
    the weights move a boundary across its point."""
    live = sorted((name, weight) for name, weight in weights.items() if weight > 0)
    if not live:
        raise ValueError("no variant has any share of the traffic")
    total = sum(weight for _, weight in live)
    point = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / _HASH_SPACE
    reached = 0.0
    for name, weight in live:
        reached += weight / total
        if point < reached:
            return name
    return live[-1][0]  # the point sits above a total rounded just below 1
