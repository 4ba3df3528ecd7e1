"""Where a deployment's traffic goes: the stable version and, during a canary, one more version
with a weight (a Lambda alias's RoutingConfig)."""

from __future__ import annotations

from shared.errors import ConflictError
from shared.records import Frozen


class Route(Frozen):
    """A target's traffic: `stable` takes 1 - weight, `canary` (if any) takes `weight`."""

    target: str
    """`FUNCTION:ALIAS` on AWS."""
    stable: str
    canary: str | None = None
    weight: float = 0.0


def checked_weight(weight: float) -> float:
    """A canary weight Lambda accepts: strictly between 0 and 1 (moto does not check; we do)."""
    if not 0.0 < weight < 1.0:
        raise ValueError(f"a canary weight must be between 0 and 1 (exclusive), not {weight:g}")
    return weight


def shifted(current: Route, *, canary: str, weight: float) -> Route:
    """`current` with `canary` taking `weight` (replacing any other canary); never the stable
    version itself (ConflictError), never a weight Lambda would refuse (ValueError)."""
    if canary == current.stable:
        raise ConflictError(f"version {canary} is already {current.target}'s stable version")
    return current.model_copy(update={"canary": canary, "weight": checked_weight(weight)})


def promoted(current: Route, *, canary: str) -> Route:
    """`current` with `canary` as its stable version, taking its own weight back; another
    version's weight (not this canary's to clear) is left as it is."""
    if current.canary in (None, canary):
        return Route(target=current.target, stable=canary)
    return current.model_copy(update={"stable": canary})


def rolled_back(current: Route, *, canary: str) -> Route:
    """`current` with `canary`'s weight back on the stable version; a weight another version
    holds (not this canary's) is left as it is."""
    if current.canary not in (None, canary):
        return current
    return Route(target=current.target, stable=current.stable)
