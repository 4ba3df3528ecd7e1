"""What a canary's message says of its steps."""

from __future__ import annotations

from shared.canary.history import history_page
from shared.canary.models import StepRecord
from shared.canary.notices import canary_notice, status_reply
from tests.support import NOW
from tests.support.canaries import a_canary


def test_a_canary_without_recorded_steps_shows_none_rather_than_failing() -> None:
    # (canaries stored before the start was recorded as a step have an empty history)
    bare = a_canary(steps=[0.05, 1.0])
    assert history_page(bare) == []


def test_the_people_a_page_names_are_its_references() -> None:
    # GIVEN thirteen steps, each decided by someone else
    history = [
        StepRecord(at=NOW, weight=0.05, what="held", reason="", by=f"U{n:02d}") for n in range(13)
    ]
    canary = a_canary(history=history)
    # THEN each page mentions exactly the people it shows
    assert [r.id for r in canary_notice(canary).refs] == [f"U{n:02d}" for n in range(3, 13)]
    assert [r.id for r in status_reply(canary, 2).refs] == ["U00", "U01", "U02"]
