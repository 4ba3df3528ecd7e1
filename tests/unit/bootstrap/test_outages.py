"""What counts as a team's real outage for chaos: a page firing, or an open investigation of
what was going on when it was opened that found a change still going on; not one of history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.memory import FixedClock, InMemoryAlertStore, InMemoryInvestigationStore
from shared.bootstrap.outages import StoredOutages
from shared.identity.models import OrgId
from shared.telemetry.models import Signal
from tests.support import NOW
from tests.support.incidents import finding_at, investigation_of

LATER = NOW + timedelta(days=3)


def _outage(*, looked_back: timedelta, recovered: bool) -> list[str]:
    """The outages of payments three days after an investigation, left open, that looked at
    the two hours ending `looked_back` before it was opened, and found a change (one that had
    recovered inside that window, or not)."""
    change = finding_at(Signal.ERROR_RATE, 10, 0.2, 4.0)
    if recovered:
        change = change.model_copy(update={"end": change.onset + timedelta(minutes=20)})
    found = investigation_of([change])
    window = {"start": found.start - looked_back, "end": found.end - looked_back}
    investigations = InMemoryInvestigationStore()
    investigations.save(found.model_copy(update=window))
    outages = StoredOutages(
        alerts=InMemoryAlertStore(), investigations=investigations, clock=FixedClock(LATER)
    )
    return outages.firing(OrgId("T1"), "payments")


def test_an_open_investigation_of_a_change_going_on_is_an_outage_however_old() -> None:
    assert _outage(looked_back=timedelta(0), recovered=False) == [
        "investigation inv-000001 of api open (a change found)"
    ]


@pytest.mark.parametrize(
    ("looked_back", "recovered"),
    [(timedelta(days=5), False), (timedelta(0), True)],
    ids=["of-last-week-s-data", "a-change-that-recovered"],
)
def test_an_investigation_of_history_or_of_a_recovered_change_is_no_outage(
    looked_back: timedelta, recovered: bool
) -> None:
    assert _outage(looked_back=looked_back, recovered=recovered) == []
