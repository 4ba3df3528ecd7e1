"""The bundled sample's investigation, through the whole bus: its report's narrative is
grounded by the checker, and a narrative that invents a deploy is not."""

from __future__ import annotations

from shared.adapters.memory import FixedClock, InMemoryInvestigationStore
from shared.bootstrap.memory import for_memory
from shared.config import Settings
from shared.investigations.grounding import check
from shared.investigations.models import Investigation
from shared.investigations.narrative import account
from tests.support import ORG, run_deferred, setup_teams


def _sample(clock: FixedClock) -> Investigation:
    store = InMemoryInvestigationStore()
    services = for_memory(
        Settings(org_admins=("slack:T1:root",)), clock=clock, investigations=store
    )
    setup_teams(services)
    run_deferred(
        services, "service register checkout-api --sample checkout", user="oli", channel="C-pay"
    )
    run_deferred(services, "investigate checkout-api", user="rey", channel="C-pay")
    (investigation,) = store.recent(ORG, "payments", newest=10)
    return investigation


def test_the_samples_report_narrative_is_grounded(clock: FixedClock) -> None:
    # Given the sample's investigation as the report posted it
    investigation = _sample(clock)
    assert investigation.findings and investigation.narrative
    # Then its narrative, and its dated account for the page, name only what it found
    assert check(investigation.narrative, investigation).unsupported == ()
    assert check(account(investigation, dated=True), investigation).unsupported == ()


def test_a_narrative_of_the_sample_that_invents_a_deploy_and_a_time_is_not(
    clock: FixedClock,
) -> None:
    investigation = _sample(clock)
    invented = f"{investigation.narrative} It began 3 min after deploy v999 at 03:17 UTC."
    assert set(check(invented, investigation).unsupported) >= {"v999", "03:17 UTC"}
