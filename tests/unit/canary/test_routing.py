"""The split rules every traffic router follows: what a shift, a promotion and a rollback do to a
target's route (the adapters only keep the result)."""

from __future__ import annotations

import pytest

from shared.canary.routing import Route, promoted, rolled_back, shifted
from shared.errors import ConflictError

STABLE = Route(target="fn:live", stable="1")
SPLIT = Route(target="fn:live", stable="1", canary="2", weight=0.25)


def test_a_shift_gives_the_canary_its_weight_and_leaves_the_rest_on_stable() -> None:
    assert shifted(STABLE, canary="2", weight=0.25) == SPLIT
    assert shifted(SPLIT, canary="3", weight=0.05) == SPLIT.model_copy(
        update={"canary": "3", "weight": 0.05}
    )


def test_a_shift_of_the_stable_version_or_of_an_impossible_weight_is_refused() -> None:
    with pytest.raises(ConflictError, match="already fn:live's stable version"):
        shifted(SPLIT, canary="1", weight=0.05)
    with pytest.raises(ValueError, match="between 0 and 1"):
        shifted(STABLE, canary="2", weight=1.0)


def test_a_promotion_makes_the_canary_stable_and_a_rollback_keeps_stable_alone() -> None:
    assert promoted(SPLIT, canary="2") == Route(target="fn:live", stable="2")
    assert rolled_back(SPLIT, canary="2") == STABLE


def test_a_rollback_or_promotion_leaves_another_versions_weight_alone() -> None:
    # a late rollback of version 3's canary while version 2 holds the weight
    assert rolled_back(SPLIT, canary="3") == SPLIT
    # a promotion of version 3 keeps version 2's weight beside it
    assert promoted(SPLIT, canary="3") == SPLIT.model_copy(update={"stable": "3"})
