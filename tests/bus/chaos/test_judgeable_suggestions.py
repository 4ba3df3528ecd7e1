"""A quiet service's suggested plan, followed, judges, through the bus on the sample's
simulation at 10 requests a second: the plan counts the faulted requests a held needs at the
significance of each step's last look (the judgement gets stricter at every look), so a harmless
fault ends held, not inconclusive, and a fault at twice the healthy error rate ends deviated."""

from __future__ import annotations

import re

import pytest

from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    SimulatedSafetyLever,
)
from shared.adapters.memory import InMemoryChaosStore
from shared.bootstrap.adapters import ChaosAdapters
from shared.bootstrap.wiring import Services
from shared.chaos.models import ExperimentOutcome, ExperimentState
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, run_deferred, run_scheduler
from tests.support.chaos import chaos_of, chaos_services, start_experiment

STEADY = '--expect "error_rate < 0.3%"'
"""The benchmark's error bound: 1.5x the sample's healthy 0.2%."""
SHORTEST = re.compile(
    r"use (?P<flags>--percent [\d,]+ --duration (?P<minutes>\d+)m) \(the shortest"
)


def at(rps: float, scale: float, clock: MovingClock) -> Services:
    """The sample's simulation at `rps`, its faulted share erring `scale` times the healthy."""
    state = InMemoryChaosState()
    return chaos_services(
        clock,
        chaos=ChaosAdapters(
            store=InMemoryChaosStore(),
            injector=SimulatedFaultInjector(state=state, clock=clock),
            lever=SimulatedSafetyLever(state=state),
            metrics=SimulatedFaultMetrics(state=state, rps=rps, scale=scale),
        ),
    )


def suggestion(services: Services) -> tuple[str, int]:
    """What `sre chaos plan` suggests for an error fault (its shortest steps) and their minutes."""
    plan = run_deferred(
        services, f"chaos plan checkout-api --fault error {STEADY}", user="oli", channel="C-pay"
    )
    assert plan.tone is Tone.INFO, plan
    found = SHORTEST.search(plan.text)
    assert found is not None, plan.text
    return found["flags"], int(found["minutes"])


@pytest.mark.parametrize(
    ("scale", "ended"), [(1.0, ExperimentOutcome.HELD), (2.0, ExperimentOutcome.DEVIATED)]
)
def test_the_suggested_plan_at_10_requests_a_second_ends_held_or_deviated(
    scale: float, ended: ExperimentOutcome
) -> None:
    # GIVEN a service at 10 req/s whose default plan cannot be judged, and the plan suggested
    clock = MovingClock(NOW)
    services = at(10.0, scale, clock)
    flags, minutes = suggestion(services)
    # WHEN it is started as suggested and the scheduler ticks every minute until it ends
    experiment_id = start_experiment(services, f"checkout-api --fault error {STEADY} {flags}")
    store = chaos_of(services).store
    for _ in range(minutes * 4 + 10):
        run_scheduler(services, clock, 1)
        found = store.get(ORG, experiment_id)
        assert found is not None
        if found.state is ExperimentState.ENDED:
            break
    assert found is not None
    # THEN it ended with a verdict: held for the harmless fault, deviated for the breaking one
    assert found.state is ExperimentState.ENDED
    assert found.outcome is ended, found.reason
    # AND a held came within the steps it suggested: no step was extended for want of requests
    if ended is ExperimentOutcome.HELD:
        assert [s.what for s in found.history if s.what == "extended"] == []
