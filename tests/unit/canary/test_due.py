"""A step is due once its interval has passed in whole minutes, as the scheduler ticks: a tick
that comes a fraction of a second short of the minute is not skipped."""

from __future__ import annotations

from datetime import timedelta

from shared.canary.models import CanaryState
from tests.support import NOW
from tests.support.canaries import a_canary


def test_a_tick_a_second_short_of_the_interval_judges_the_step() -> None:
    started = NOW + timedelta(seconds=6)
    for minutes in (1, 5):
        canary = a_canary(interval=timedelta(minutes=minutes), step_started_at=started)
        # before: 59 s after a 1m step began was "none due", so it was judged every other tick
        assert canary.due(started + timedelta(minutes=minutes, seconds=-1))
        assert not canary.due(started + timedelta(minutes=minutes - 1, seconds=30))
    # AND a 90s step is judged at the tick after 90 s, not at the one after 61 s
    ninety = a_canary(interval=timedelta(seconds=90), step_started_at=started)
    assert not ninety.due(started + timedelta(seconds=61))
    assert ninety.due(started + timedelta(seconds=121))


def test_an_ended_canary_is_never_due() -> None:
    canary = a_canary(state=CanaryState.PROMOTED, interval=timedelta(minutes=1))
    assert not canary.due(NOW + timedelta(hours=1))
