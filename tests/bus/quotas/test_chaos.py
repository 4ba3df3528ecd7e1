"""The `chaos-experiments` quota through the bus on the sample's simulation: a start over it is
refused before anything is recorded or injected, every way an experiment ends gives its unit
back exactly once, a run waiting for approval holds its unit (the approval takes none), and a
game day with no unit left is skipped and said once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Unpack

import pytest

from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultMetrics,
    SimulatedSafetyLever,
)
from shared.adapters.memory import InMemoryChaosStore
from shared.bootstrap.adapters import AdapterChoices, ChaosAdapters
from shared.bootstrap.wiring import Services
from shared.chaos.models import ExperimentState
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, channel_messages, run, run_deferred
from tests.support.chaos import (
    JammedInjector,
    chaos_of,
    chaos_services,
    start_experiment,
    ticks,
)

HARMLESS = '--fault delay:100ms --expect "p99_latency < 2s"'
REFUSED = (
    "Team payments has used 1 of its 1 running chaos experiments (quota `chaos-experiments`), "
    "so this was not done; one frees up when one of them ends. An org admin can raise it: "
    "`sre quota set chaos-experiments 10 --team payments`."
)


def _services(
    clock: MovingClock, cap: int, /, *, production: bool = False, **chosen: Unpack[AdapterChoices]
) -> Services:
    """Chaos services with a second sample service (orders-api) and the team's cap set."""
    services = chaos_services(clock, production=production, **chosen)
    register = "service register orders-api --sample checkout --team payments"
    assert not run(services, register, user="oli", channel="C-pay").failed
    assert not run(services, f"quota set chaos-experiments {cap} --team payments").failed
    return services


def _used(services: Services) -> str:
    shown = run(services, "quota show", user="vic", channel="C-pay")
    return dict(shown.fields)["chaos-experiments"]


def _start(services: Services, service: str, percent: str = "1,5,25") -> tuple[Tone, str, str]:
    """A start by oli (each text once: the same command again is the same request)."""
    text = f"chaos start {service} {HARMLESS} --percent {percent}"
    reply = run_deferred(services, text, user="oli", channel="C-pay")
    return reply.tone, reply.title, reply.text


def test_a_start_over_the_quota_is_refused_before_anything_is_recorded_or_injected() -> None:
    services = _services(MovingClock(NOW), 1)
    start_experiment(services, f"checkout-api {HARMLESS}")
    # WHEN the team starts a second experiment (on another service) with its unit in use
    tone, _, text = _start(services, "orders-api")
    # THEN it is refused in the quotas' words, nothing recorded, nothing more injected
    assert tone is Tone.ERROR
    assert text == REFUSED
    recorded = chaos_of(services).store.list_for(ORG, "payments")
    assert [x.service for x in recorded] == ["checkout-api"]
    assert _used(services).startswith("1 of 1 running chaos experiments")


def _halted(services: Services, experiment: str, _: MovingClock) -> None:
    halt = run_deferred(services, f"chaos halt {experiment}", user="oli", channel="C-pay")
    assert not halt.failed, halt


def _held(services: Services, experiment: str, clock: MovingClock) -> None:
    assert ticks(services, clock, 33)[-1] == f"{experiment} ended: held"


ENDS: dict[str, Callable[[Services, str, MovingClock], None]] = {
    "halted by an operator": _halted,
    "held to its last step": _held,
}


@pytest.mark.parametrize("end", ENDS)
def test_an_experiment_that_ends_gives_its_unit_back_exactly_once(end: str) -> None:
    clock = MovingClock(NOW)
    services = _services(clock, 1)
    first = start_experiment(services, f"checkout-api {HARMLESS}")
    # WHEN it ends
    ENDS[end](services, first, clock)
    # THEN its unit is free again; a later tick and a repeated halt free no other
    ticks(services, clock, 1)
    run_deferred(services, f"chaos halt {first}", user="oli", channel="C-pay")
    assert _used(services).startswith("0 of 1 running chaos experiments")
    # AND a new experiment starts in its place, and then the team is at its limit again
    assert _start(services, "orders-api")[0] is Tone.OK
    assert _start(services, "checkout-api", "2,10")[2] == REFUSED


def test_a_start_whose_injection_is_refused_frees_its_unit() -> None:
    clock = MovingClock(NOW)
    state = InMemoryChaosState()
    injector = JammedInjector(state=state, clock=clock)
    injector.jammed, injector.refusing = False, True
    chaos = ChaosAdapters(
        store=InMemoryChaosStore(),
        injector=injector,
        lever=SimulatedSafetyLever(state=state),
        metrics=SimulatedFaultMetrics(state=state),
    )
    services = _services(clock, 1, chaos=chaos)
    tone, _, text = _start(services, "checkout-api")
    assert tone is Tone.ERROR and "could not start" in text
    assert _used(services).startswith("0 of 1 ")
    injector.refusing = False
    assert _start(services, "orders-api")[0] is Tone.OK
    assert _start(services, "checkout-api", "2,10")[2] == REFUSED


def test_a_run_waiting_for_approval_holds_its_unit_and_its_approval_takes_none() -> None:
    clock = MovingClock(NOW)
    services = _services(clock, 1, production=True)
    tone, title, _ = _start(services, "checkout-api")
    assert tone is Tone.OK and "waits for approval" in title
    waiting = title.split()[1]
    assert _used(services).startswith("1 of 1 ")
    assert _start(services, "orders-api")[2] == REFUSED
    # WHEN a second operator approves it THEN it starts on the unit it holds
    approved = run_deferred(services, f"chaos approve {waiting}", user="opal", channel="C-pay")
    assert approved.tone is Tone.OK, approved
    assert _used(services).startswith("1 of 1 ")
    stored = chaos_of(services).store.get(ORG, waiting)
    assert stored is not None and stored.state is ExperimentState.RUNNING


def test_a_run_nobody_approves_gives_its_unit_back_when_it_expires() -> None:
    clock = MovingClock(NOW)
    services = _services(clock, 1, production=True)
    waiting = _start(services, "checkout-api")[1].split()[1]
    assert _used(services).startswith("1 of 1 ")
    assert ticks(services, clock, 60)[-1] == f"{waiting} ended: halted"
    assert _used(services).startswith("0 of 1 ")
    assert _start(services, "orders-api")[0] is Tone.OK  # orders-api is not production


def test_a_game_day_with_no_unit_left_is_skipped_and_said_once() -> None:
    clock = MovingClock(NOW)  # Sunday 09:30 UTC
    services = _services(clock, 1)
    start_experiment(services, f"orders-api {HARMLESS}")
    text = f'chaos start checkout-api {HARMLESS} --every 7d --window "Sun 09:00-12:00"'
    scheduled = run_deferred(services, text, user="oli", channel="C-pay")
    assert scheduled.tone is Tone.OK, scheduled
    # WHEN the scheduler ticks inside the window THEN the game day is skipped, said once
    lines = ticks(services, clock, 3)
    skipped = [line for line in lines if "skipped" in line]
    assert len(skipped) == 1
    assert "used 1 of its 1 running chaos experiments (quota `chaos-experiments`)" in skipped[0]
    said = [r for _, r in channel_messages(services) if "skipped" in r.title]
    assert len(said) == 1
    assert [x.service for x in chaos_of(services).store.list_for(ORG, "payments")] == ["orders-api"]
