"""Which variant an investigation's narrative gets: Thompson sampling sets each arm's share of the
traffic, and a hash of the investigation's key picks its arm from those shares, the same one every
time (sticky, as GrowthBook and Statsig assign: a thread's narrative never changes variant).

An arm's `successes` and `failures` are what was seen online plus the offline gate's pseudo-counts
(see `shared.prompts.gate`); `allocate` adds one of each on top, the uniform Beta(1, 1) base, so
an arm with nothing seen and no gate prior is still a proper Beta and gets a fair share.

Thompson sampling's share of an arm is the probability that its rate is the highest under the
arms' Beta posteriors. GrowthBook estimates it from random draws; here it is integrated on a grid
(`POINTS` cells over where the posteriors have their mass), so the same evidence always gives the
same shares: a look whose evidence did not move them changes nothing, and posts nothing, instead
of moving them by sampling noise. Shares are recomputed only at looks
(`shared.prompts.experiments.LOOK_EVERY`)."""

from __future__ import annotations

import hashlib
import math
import operator
from collections.abc import Iterator, Mapping, Sequence
from itertools import accumulate

from pydantic import Field

from shared.records import Frozen

_HASH_SPACE = float(2**64)
POINTS = 400
"""Grid cells of the integral of each arm's probability of being best."""
_SPREAD = 10
"""Standard deviations each side of a posterior's mean that the grid covers (clipped to 0 and 1)."""


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
) -> dict[str, float]:
    """Each arm's share of the traffic: the probability it is best (Thompson sampling over
    Beta(successes + 1, failures + 1)), at least `floor` each, summing to 1; equal shares while
    fewer than `burn_in` investigations were `observed`."""
    _check(arms, floor=floor)
    if observed < burn_in or len(arms) == 1:
        return {arm.name: 1 / len(arms) for arm in arms}
    best = probability_best(arms)
    # Mixing with the floor keeps every share >= floor, the order of the shares, and the sum at 1.
    spare = 1 - floor * len(arms)
    return {name: floor + spare * share for name, share in best.items()}


def _check(arms: Sequence[Arm], *, floor: float) -> None:
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


def probability_best(arms: Sequence[Arm]) -> dict[str, float]:
    """Each arm's probability that its rate is the highest: the sum over the grid's cells of its
    posterior's mass there times every other arm's probability of being below (the midpoint
    rule); normalised, so the probabilities sum to 1 whatever the grid leaves out."""
    if len(arms) == 1:
        return {arms[0].name: 1.0}
    low, high = _support(arms)
    step = (high - low) / POINTS
    cells = [low + (k + 0.5) * step for k in range(POINTS)]
    logs = [(math.log(x), math.log1p(-x)) for x in cells]
    masses = [_masses(arm, logs) for arm in arms]
    below = [_below(mass) for mass in masses]
    best = [
        sum(map(operator.mul, mass, _all_below(below[:i] + below[i + 1 :])))
        for i, mass in enumerate(masses)
    ]
    total = sum(best)
    return {arm.name: share / total for arm, share in zip(arms, best, strict=True)}


def _support(arms: Sequence[Arm]) -> tuple[float, float]:
    """Where the arms' posteriors have their mass: `_SPREAD` deviations about each mean."""
    low, high = 1.0, 0.0
    for arm in arms:
        a, b = arm.successes + 1, arm.failures + 1
        mean, spread = a / (a + b), _SPREAD * math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        low, high = min(low, mean - spread), max(high, mean + spread)
    return max(low, 0.0), min(high, 1.0)


def _masses(arm: Arm, logs: Sequence[tuple[float, float]]) -> list[float]:
    """The arm's Beta posterior's mass in each cell (its density at the midpoint), summing to 1."""
    a, b = arm.successes + 1, arm.failures + 1
    norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    density = [math.exp(norm + (a - 1) * lx + (b - 1) * l1x) for lx, l1x in logs]
    total = sum(density)
    return [d / total for d in density] if total > 0 else [1 / len(logs)] * len(logs)


def _all_below(below: Sequence[Sequence[float]]) -> Iterator[float]:
    """In each cell, the probability that every one of these arms is below its midpoint."""
    return map(math.prod, zip(*below, strict=True))


def _below(masses: Sequence[float]) -> list[float]:
    """Each cell's probability of a rate below its midpoint (half of its own mass counted)."""
    return [reached - mass / 2 for reached, mass in zip(accumulate(masses), masses, strict=True)]


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
