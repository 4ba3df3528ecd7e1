"""The team-recorded cases of the offline gate, through the whole bus: the team's investigations of
the sample, resolved with a cause (`--cause`), become cases the gate runs; a cause in the
responders' own words, and an open investigation, do not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.memory import FixedClock, InMemoryInvestigationStore
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.investigations.models import Investigation, Narrative
from shared.prompts.gating import Case, run_gate, team_cases
from shared.prompts.models import Template, Variant, VariantContent, VariantKind, control
from shared.prompts.templates import TemplateSummariser
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, invocation, resume_deferred, run, setup_teams

CAUSES = ("deploy v42", "saturation", "an expired certificate")


@pytest.fixture(scope="module")
def store() -> InMemoryInvestigationStore:
    return InMemoryInvestigationStore()


@pytest.fixture(scope="module")
def team(store: InMemoryInvestigationStore) -> Services:
    """Payments with the sample service (an incident after deploy v42), investigated four times
    an hour apart: three resolved with the causes of CAUSES, in that order, the last still open."""
    clock = FixedClock(NOW)
    services = for_memory(
        Settings(org_admins=("slack:T1:root",)), clock=clock, investigations=store
    )
    setup_teams(services)
    assert not run(
        services, "service register checkout-api --sample checkout", user="oli", channel="C-pay"
    ).failed
    for hour, cause in enumerate(CAUSES):
        inv = _id(_investigate(services, clock, hour))
        said = f'investigation resolve {inv} --cause "{cause}" --summary "pool exhausted"'
        assert not run(services, said, user="rey", channel="C-pay").failed
    _investigate(services, clock, len(CAUSES))
    return services


def _investigate(services: Services, clock: FixedClock, hour: int) -> Reply:
    """rey investigates the sample `hour` hours after NOW: the worker's report."""
    asked = invocation("investigate checkout-api", user="rey", channel="C-pay")
    at = clock.current = NOW + timedelta(hours=hour)
    update = {"received_at": at, "correlation_id": f"ref-gate-{hour}"}
    accepted = services.bus.handle(asked.model_copy(update=update))
    assert accepted.tone is Tone.ACCEPTED, accepted
    return resume_deferred(services)


def _id(report: Reply) -> str:
    return dict(report.fields)["Investigation"].split()[0]


def _cases(store: InMemoryInvestigationStore) -> list[Case]:
    return team_cases(store.recent(ORG, "payments", newest=10))


def _told(variant: Variant, investigation: Investigation) -> Narrative:
    return TemplateSummariser(variant).summarise(investigation)


def test_resolved_investigations_with_a_cause_become_cases_newest_first(
    team: Services, store: InMemoryInvestigationStore
) -> None:
    cases = _cases(store)
    # THEN the two judged causes are cases, the newest first; the own words and the open one not
    assert [case.cause for case in cases] == ["saturation", "v42"]
    # AND each case is the investigation as it was opened: the answer is not in it
    for case in cases:
        assert (case.investigation.cause, case.investigation.summary) == ("", "")
        assert case.investigation.status.value == "open"
        assert case.investigation.findings


def test_the_gate_runs_the_team_cases(team: Services, store: InMemoryInvestigationStore) -> None:
    cases = _cases(store)
    base = control(ORG)
    timeline = base.model_copy(
        update={
            "name": "timeline",
            "content": VariantContent(kind=VariantKind.TEMPLATE, template=Template.TIMELINE_FIRST),
        }
    )
    # WHEN the timeline template is gated on them THEN it passes: it names saturation as the
    # first signal to move and v42 as the first deploy
    passed = run_gate(timeline, base, _told, cases=cases, k=2)
    assert passed.passed, passed.reason
    assert passed.pass_all_k == 2

    # WHEN a variant says p99 latency moved first THEN the saturation case fails, said in words
    def latency_first(variant: Variant, investigation: Investigation) -> Narrative:
        if variant is base:
            return _told(variant, investigation)
        return Narrative(text="P99 latency moved first, after deploy v42.", by=variant.label)

    failed = run_gate(timeline, base, latency_first, cases=cases, k=2)
    assert not failed.passed
    (saturation,) = [c.name for c in cases if c.cause == "saturation"]
    assert f"{saturation}: named p99 latency first, not saturation" in failed.reason
