"""What a canary's message says of its steps."""

from __future__ import annotations

from shared.canary.history import history_page
from tests.support.canaries import a_canary


def test_a_canary_without_recorded_steps_shows_none_rather_than_failing() -> None:
    # (canaries stored before the start was recorded as a step have an empty history)
    bare = a_canary(steps=[0.05, 1.0])
    assert history_page(bare) == []
