"""What a canary's message says of its steps."""

from __future__ import annotations

from datetime import timedelta

from shared.canary.history import history_page
from shared.canary.models import Canary
from tests.support import NOW


def test_a_canary_without_recorded_steps_shows_none_rather_than_failing() -> None:
    # (canaries stored before the start was recorded as a step have an empty history)
    bare = Canary(
        id="can-0a1b2c",
        org="slack:T1",
        team="payments",
        service="checkout-api",
        target="checkout:live",
        stable="41",
        release="43",
        steps=[0.05, 1.0],
        interval=timedelta(minutes=5),
        metrics=["errors"],
        critical=["errors"],
        step_started_at=NOW,
        started_by="oli",
        started_at=NOW,
    )
    assert history_page(bare) == []
