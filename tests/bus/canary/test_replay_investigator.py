"""The canary's replay set judges the production investigator: what a version answers for a
scenario is what an investigation of the same series reports, finding for finding."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest

from shared.adapters.memory import InMemoryInvestigationStore
from shared.bootstrap.wiring import build
from shared.canary.replay import (
    END,
    WINDOW,
    ReplayCase,
    ReplayRequest,
    Scenario,
    investigate,
    investigate_cases,
)
from shared.canary.replay import scenarios as replay_set
from shared.config import Settings
from shared.telemetry.models import Event, Finding, MetricQuery, ResourceKind, Service
from shared.telemetry.ports import Points
from tests.support import ORG, MovingClock, memory_adapters, run, run_deferred, setup_teams

CASES = {s.name: s for s in replay_set(per_cause=1)}


class _Recorded:
    """A metrics source that serves one scenario's series (as a provider would: per query, the
    points of its signal inside the asked window), with no events."""

    def __init__(self, scenario: Scenario) -> None:
        self._series = scenario.series

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        del step  # the scenario is one point a minute, the step asked
        return [
            [(t, v) for t, v in self._series.get(q.signal, []) if start <= t <= end]
            for q in queries
        ]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        del service, start, end
        return []


def _said(finding: Finding) -> tuple[str, datetime, str]:
    return finding.signal.value, finding.onset, finding.evidence


@pytest.mark.parametrize("name", ["saturation-0", "error_rate-0", "traffic-0", "quiet-0"])
def test_the_replay_answers_what_an_investigation_of_the_same_series_finds(name: str) -> None:
    # GIVEN a scenario of the replay set served as the sample service's metrics
    scenario = CASES[name]
    store = InMemoryInvestigationStore()
    adapters = memory_adapters(
        MovingClock(END),
        metrics={ResourceKind.SAMPLE: _Recorded(scenario)},
        investigations=store,
    )
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    register = "service register checkout-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    # WHEN a responder investigates the scenario's window, as a user would
    since = f"{END - WINDOW:%Y-%m-%dT%H:%M}"
    text = f"investigate checkout-api --window 2h --since {since}"
    reply = run_deferred(services, text, user="rey", channel="C-pay")
    assert not reply.failed, reply
    (investigation,) = store.recent(ORG, "payments", newest=10)
    # THEN this code's replay answers exactly the investigation's ranked findings
    assert investigate(scenario) == investigation.findings
    # AND a deployed version sent the scenario nameless (values rounded on the wire) answers the
    # same changes, in the same order, with the same words
    (replayed,) = investigate_cases(ReplayRequest(cases=[ReplayCase.of(scenario)])).findings
    assert [_said(f) for f in replayed] == [_said(f) for f in investigation.findings]
    # AND for a scenario with a cause, the investigation names it first to move
    if scenario.cause is not None:
        assert investigation.findings, reply
        assert f"First to move\n{scenario.cause.label}" in "\n".join(
            f"{k}\n{v}" for k, v in reply.fields
        )
