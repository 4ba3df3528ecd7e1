"""What the plan suggests at a quiet service, through the bus on the sample's simulation: at 1
and 10 requests a second no one option is enough, so it suggests a larger first percent and
longer steps together, a plan that `sre chaos plan` then finds judgeable and `sre chaos start`
accepts; "too quiet" only where even 50% for 2h50m a step would not do."""

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
from shared.replies import Tone
from tests.support import NOW, MovingClock, run_deferred
from tests.support.chaos import chaos_services

STEADY = '--expect "error_rate < 0.3%" --expect "p99_latency < 570ms"'
"""The benchmark's steady state: its error rate needs thousands of faulted requests."""
SUGGESTION = re.compile(
    r"use (?P<flags>--percent (?P<percent>[\d,]+) --duration (?P<minutes>\d+)m) "
    r"\(the shortest steps\)"
)


def at(rps: float) -> Services:
    """Chaos on the sample's simulation serving `rps` requests a second."""
    clock = MovingClock(NOW)
    state = InMemoryChaosState()
    return chaos_services(
        clock,
        chaos=ChaosAdapters(
            store=InMemoryChaosStore(),
            injector=SimulatedFaultInjector(state=state, clock=clock),
            lever=SimulatedSafetyLever(state=state),
            metrics=SimulatedFaultMetrics(state=state, rps=rps),
        ),
    )


def planned(services: Services, flags: str = "") -> str:
    """`sre chaos plan` of an error fault with the steady state above; its text."""
    reply = run_deferred(
        services,
        f"chaos plan checkout-api --fault delay:1ms {STEADY} {flags}".strip(),
        user="oli",
        channel="C-pay",
    )
    assert reply.tone is Tone.INFO, reply
    return reply.text


@pytest.mark.parametrize("rps", [10.0])
def test_a_quiet_service_is_offered_a_larger_percent_and_longer_steps_that_then_judge(
    rps: float,
) -> None:
    services = at(rps)
    text = planned(services)
    assert "so it would end inconclusive; use --percent " in text
    assert "too quiet" not in text
    found = SUGGESTION.search(text)
    assert found is not None, text
    # the suggestion is both options at once: more than 1% and longer than the 11m default
    assert int(found["percent"].split(",")[0]) > 1 and int(found["minutes"]) > 11
    # WHEN the plan is asked again with the suggestion THEN every step can be judged
    again = planned(services, found["flags"])
    assert "needed to judge" not in again, again
    # AND a start with it is accepted
    started = run_deferred(
        services,
        f"chaos start checkout-api --fault delay:1ms {STEADY} {found['flags']}",
        user="oli",
        channel="C-pay",
    )
    assert started.tone is Tone.OK, started
    assert "needed to judge" not in started.text


@pytest.mark.parametrize("rps", [0.01, 1.0])
def test_a_service_too_quiet_for_half_its_traffic_for_the_longest_step_is_said_too_quiet(
    rps: float,
) -> None:
    text = planned(at(rps))
    assert text.splitlines()[-1].endswith(
        "this service is too quiet (even 50% for 2h50m a step, extended to its limit, would not "
        "serve them)."
    ), text
