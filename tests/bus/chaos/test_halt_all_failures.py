"""`chaos halt --all` halts every experiment it can whatever one of them does: an experiment
whose halt cannot be saved is named in the answer, the others are halted and the lever engaged;
and the retry the answer asks for, while the state store is still down, reaches the halt."""

from __future__ import annotations

from shared.bootstrap.wiring import Services
from shared.chaos.models import ExperimentOutcome, ExperimentState
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, run, run_deferred
from tests.support.chaos import (
    chaos_of,
    chaos_services,
    injector_of,
    sent_again,
    simulated_over,
    start_experiment,
)
from tests.support.failing_store import FailingChaosStore

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
ORDERS = 'orders-api --fault delay:100ms --expect "p99_latency < 2s"'


def _failing(clock: MovingClock) -> tuple[Services, FailingChaosStore]:
    """Chaos on the sample's simulation over a store that can be made to fail; orders-api
    registered too (a second service, for a second experiment)."""
    store = FailingChaosStore()
    services = chaos_services(clock, chaos=simulated_over(store, clock))
    register = "service register orders-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    return services, store


def test_halt_all_halts_the_others_when_one_experiments_halt_cannot_be_saved() -> None:
    clock = MovingClock(NOW)
    services, store = _failing(clock)
    broken = start_experiment(services, HARMLESS)
    other = start_experiment(services, ORDERS)
    # GIVEN the halt of the first experiment cannot be saved
    store.breaking.add(broken)
    # WHEN an org admin pulls the kill switch
    reply = run_deferred(services, "chaos halt --all", user="root", channel="C-pay")
    # THEN the other experiment is halted, its fault removed, and the lever engaged
    assert reply.title == "Safety lever engaged by @root: 1 experiment halted, 1 could not be"
    assert reply.tone is Tone.ERROR
    assert f"{other} (payments): ended: halted" in reply.text
    stored = store.get(ORG, other)
    assert stored is not None and stored.state is ExperimentState.ENDED
    assert stored.outcome is ExperimentOutcome.HALTED
    assert all(injector_of(services).removed(i.handle) for i in stored.injections)
    assert chaos_of(services).lever.state(ORG).engaged
    # AND the answer names the one not recorded halted, its fault removed all the same
    assert (
        f"{broken} (payments): the halt could not be recorded (the state store is unavailable: "
        "dynamodb: could not connect to the endpoint URL), but its fault is removed"
    ) in reply.text
    assert "the state store is unavailable (" not in reply.text  # not the lever-alone answer


def test_halt_all_run_again_while_the_state_store_is_down_reaches_the_halt() -> None:
    clock = MovingClock(NOW)
    services, store = _failing(clock)
    start_experiment(services, HARMLESS)
    # GIVEN a halt --all that found the state store down and engaged the lever alone
    store.down = True
    first = run_deferred(services, "chaos halt --all", user="root", channel="C-pay")
    assert "but the safety lever is engaged" in first.text, first
    assert "Run `sre chaos halt --all` again in a minute." in first.text
    # WHEN the org admin runs it again, as told, with the store still down
    again = sent_again(services, "chaos halt --all", user="root", ref="ref-2")
    # THEN the halt runs and says the same, not an error from the unchanged check
    assert again.text == first.text, again
    assert chaos_of(services).lever.state(ORG).engaged
