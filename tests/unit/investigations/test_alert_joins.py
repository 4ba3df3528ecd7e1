"""Which open investigation an alert firing now joins: one of what was going on when it was
opened, with a change still going on; not one of history or of a change that had recovered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.investigations.models import ongoing_outage
from shared.telemetry.models import Signal
from tests.support.incidents import finding_at, investigation_of


@pytest.mark.parametrize(
    ("looked_back", "recovered", "joins"),
    [
        (timedelta(0), False, True),
        (timedelta(days=5), False, False),
        (timedelta(0), True, False),
    ],
    ids=["an-ongoing-change", "last-week-s-data", "a-change-that-recovered"],
)
def test_an_alert_joins_only_an_investigation_of_a_change_going_on(
    looked_back: timedelta, recovered: bool, joins: bool
) -> None:
    change = finding_at(Signal.ERROR_RATE, 10, 0.2, 4.0)
    if recovered:
        change = change.model_copy(update={"end": change.onset + timedelta(minutes=20)})
    found = investigation_of([change])
    window = {"start": found.start - looked_back, "end": found.end - looked_back}
    assert ongoing_outage(found.model_copy(update=window)) is joins
    assert not ongoing_outage(found.model_copy(update={"findings": []}))
