"""One experiment at a time on a service, through the bus on the sample's simulation: two starts
that pass their checks together (each read the experiments under way before either was
recorded) start one experiment, the other refused naming it, one fault injected and one quota
unit used; and the service is free again however the experiment ends."""

from __future__ import annotations

import threading

from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    SimulatedSafetyLever,
)
from shared.adapters.memory import InMemoryChaosStore, InMemoryTaskQueue
from shared.bootstrap.adapters import ChaosAdapters
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, MovingClock, Overlapping, invocation, run, run_deferred
from tests.support.chaos import (
    chaos_of,
    chaos_services,
    jammed_chaos,
    start_experiment,
    ticks,
)
from tests.support.racing import sample_injections

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
BREAKING = 'checkout-api --fault error --expect "error_rate < 1%"'


def started_together(services: Services, texts: list[tuple[str, str]]) -> list[Reply]:
    """Each `(user, start)` sent in C-pay, then all their tasks run by workers at once."""
    for user, text in texts:
        accepted = services.bus.handle(
            invocation(f"chaos start {text}", user=user, channel="C-pay")
        )
        assert accepted.tone is Tone.ACCEPTED, accepted
    assert isinstance(services.tasks, InMemoryTaskQueue)
    replies: list[Reply] = []
    workers = [
        threading.Thread(target=lambda t=task: replies.append(services.run_task(t)))
        for task in services.tasks.drain()
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return replies


def test_two_starts_that_pass_their_checks_together_inject_one_fault() -> None:
    clock = MovingClock(NOW)
    state, store = InMemoryChaosState(), InMemoryChaosStore()
    chaos = ChaosAdapters(
        store=Overlapping(store),  # type: ignore[arg-type]
        injector=SimulatedFaultInjector(state=state, clock=clock),
        lever=SimulatedSafetyLever(state=state),
        metrics=SimulatedFaultMetrics(state=state),
    )
    services = chaos_services(clock, chaos=chaos)
    # GIVEN two operators starting chaos on checkout-api, each start reading the experiments
    # under way before either is recorded (both pass "another experiment runs on the service")
    # WHEN their workers run at once
    replies = started_together(services, [("oli", HARMLESS), ("opal", BREAKING)])
    # THEN one starts, the other is refused naming the one that did
    (won,) = [r for r in replies if r.tone is Tone.OK]
    (lost,) = [r for r in replies if r.tone is not Tone.OK]
    experiment = won.title.split()[1]
    assert lost.title == "Conflict"
    assert lost.text == (
        f"Chaos on checkout-api cannot start: {experiment} is already running at 1% (step 1/3) "
        "on checkout-api."
    )
    # AND only its fault is injected, only it is recorded, one quota unit is used
    assert [i.handle for i in sample_injections(state)] == [f"{experiment}-0"]
    assert [x.id for x in store.list_for(ORG, "payments")] == [experiment]
    shown = run(services, "quota show", user="vic", channel="C-pay")
    assert dict(shown.fields)["chaos-experiments"].startswith("1 of ")


def test_the_service_is_free_again_however_its_experiment_ends() -> None:
    clock = MovingClock(NOW)
    chaos = jammed_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    chaos.injector.jammed = False  # type: ignore[attr-defined]
    # GIVEN an experiment halted by a responder
    halted = start_experiment(services, HARMLESS)
    assert not run_deferred(services, f"chaos halt {halted}", user="rey", channel="C-pay").failed
    # WHEN one starts next whose fault deviates THEN it starts, and the tick ends it
    deviated = start_experiment(services, BREAKING)
    assert f"{deviated} ended: deviated" in ticks(services, clock, 10)
    # WHEN the next one's injection is refused THEN it fails, having started nothing
    chaos.injector.refusing = True  # type: ignore[attr-defined]
    start = f"chaos start {HARMLESS} --percent 5"  # each text once: the same is one request
    failed = run_deferred(services, start, user="oli", channel="C-pay")
    assert failed.failed and "could not start" in failed.text, failed
    chaos.injector.refusing = False  # type: ignore[attr-defined]
    # THEN after each end the service was free: the last start goes ahead
    last = start_experiment(services, f"{HARMLESS} --percent 25")
    assert [x.id for x in chaos_of(services).store.every()] == [last]
