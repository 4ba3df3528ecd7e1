"""A halt never gives up on a race with the scheduler's tick: the tick saving an experiment
between the halt's read and its write makes the halt read it again and record it; `halt --all`
goes on past an experiment that keeps changing, engages the lever anyway and says which one the
next tick halts (the org's halt record makes it so)."""

from __future__ import annotations

from shared.bootstrap.wiring import Services
from shared.chaos.models import Experiment, ExperimentOutcome, ExperimentState
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, run, run_deferred
from tests.support.chaos import (
    chaos_of,
    chaos_services,
    injector_of,
    simulated_over,
    start_experiment,
    ticks,
)
from tests.support.racing import RacingChaosStore

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
ORDERS = 'orders-api --fault delay:100ms --expect "p99_latency < 2s"'


def _racing(clock: MovingClock) -> tuple[Services, RacingChaosStore]:
    """Chaos on the sample's simulation over a store whose saves can be made to lose races."""
    store = RacingChaosStore()
    return chaos_services(clock, chaos=simulated_over(store, clock)), store


def _halted_and_removed(services: Services, store: RacingChaosStore, experiment: str) -> bool:
    stored = store.get(ORG, experiment)
    assert stored is not None
    injector = injector_of(services)
    return (
        stored.state is ExperimentState.ENDED
        and stored.outcome is ExperimentOutcome.HALTED
        and all(injector.removed(i.handle) for i in stored.injections)
    )


def test_a_halt_that_races_the_ticks_save_reads_again_and_halts() -> None:
    clock = MovingClock(NOW)
    services, store = _racing(clock)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 2)
    # GIVEN the scheduler's tick saves the experiment between the halt's read and its write
    store.race(experiment, 1)
    # WHEN a responder halts it
    reply = run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    # THEN it is halted all the same and its fault removed: no bare conflict
    assert reply.tone is Tone.OK, reply
    assert reply.title == f"{experiment} halted by @rey: its fault is removed"
    assert _halted_and_removed(services, store, experiment)


def test_a_halt_that_keeps_losing_says_so_and_to_run_it_again() -> None:
    clock = MovingClock(NOW)
    services, store = _racing(clock)
    experiment = start_experiment(services, HARMLESS)
    # GIVEN every save of the halt loses to the tick
    store.race(experiment, 100)
    # WHEN a responder halts it THEN the answer says what happened and what to do
    reply = run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    assert reply.tone is Tone.ERROR, reply
    assert f"{experiment} kept changing while it was being halted" in reply.text
    assert f"run `sre chaos halt {experiment}` again" in reply.text
    stored = store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.RUNNING
    # AND once the tick stops racing, running it again (here by another operator) halts it
    store.race(experiment, 0)
    again = run_deferred(services, f"chaos halt {experiment}", user="oli", channel="C-pay")
    assert again.title == f"{experiment} halted by @oli: its fault is removed", again


def test_halt_all_goes_past_an_experiment_that_keeps_changing_and_engages_the_lever() -> None:
    clock = MovingClock(NOW)
    services, store = _racing(clock)
    register = "service register orders-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    racing = start_experiment(services, HARMLESS)
    other = start_experiment(services, ORDERS)
    ticks(services, clock, 2)
    # GIVEN the tick keeps saving the first experiment under every halt of it
    store.race(racing, 100)
    # WHEN an org admin pulls the kill switch
    reply = run_deferred(services, "chaos halt --all", user="root", channel="C-pay")
    # THEN the other experiment is halted and the lever engaged anyway
    assert reply.tone is Tone.OK, reply
    assert reply.title == "Safety lever engaged by @root: 1 experiment halted"
    assert f"{other} (payments): ended: halted" in reply.text
    assert _halted_and_removed(services, store, other)
    assert chaos_of(services).lever.state(ORG).engaged
    # AND the answer names the one not halted yet, which the next tick halts
    assert (
        f"{racing} (payments): not halted yet, the scheduler was changing it; "
        "the next tick halts it" in reply.text
    )
    store.race(racing, 0)
    ticks(services, clock, 1)
    assert _halted_and_removed(services, store, racing)


def _ended_held(stored: Experiment) -> Experiment:
    """The tick's save that ends the experiment: its steady state held at its last step."""
    return stored.model_copy(
        update={"state": ExperimentState.ENDED, "outcome": ExperimentOutcome.HELD}
    )


def test_a_halt_that_finds_the_tick_ended_it_meanwhile_says_how_it_ended() -> None:
    clock = MovingClock(NOW)
    services, store = _racing(clock)
    experiment = start_experiment(services, HARMLESS)
    # GIVEN the tick ends the experiment between the halt's read and its write
    store.race(experiment, 1, tick=_ended_held)
    # WHEN a responder halts it THEN the answer says how it ended, and it is not re-halted
    reply = run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    assert reply.tone is Tone.INFO, reply
    assert reply.title == f"{experiment} already ended: held"
    stored = store.get(ORG, experiment)
    assert stored is not None and stored.outcome is ExperimentOutcome.HELD
