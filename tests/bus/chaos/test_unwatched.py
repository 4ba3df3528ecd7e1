"""An experiment that cannot be watched: its guard (the lever) or its metrics unreadable. It is
never advanced, the tick goes on for everything else (an alert's investigation included), and
after three minutes it is halted and its fault removed (fail safe)."""

from __future__ import annotations

from shared.adapters.memory import InMemoryTaskQueue
from shared.chaos.models import ExperimentOutcome, ExperimentState
from tests.support import NOW, ORG, MovingClock, notifier_of, run, run_scheduler
from tests.support.chaos import (
    FlakyMetrics,
    UnreadableLever,
    chaos_services,
    flaky_chaos,
    start_experiment,
    ticks,
)

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


def test_an_unreadable_lever_stops_only_the_experiment_and_the_alerts_investigation_opens() -> None:
    clock = MovingClock(NOW)
    chaos = flaky_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 1)
    before = chaos.store.get(ORG, experiment)
    assert before is not None and before.state is ExperimentState.RUNNING
    alert = 'alert create up --service checkout-api --when "p99_latency > 1ms" --investigate'
    assert not run(services, alert, user="oli", channel="C-pay").failed
    # WHEN the lever cannot be read in the tick where the alert fires
    assert isinstance(chaos.lever, UnreadableLever)
    chaos.lever.unreadable = True
    reply = run_scheduler(services, clock, 1)
    # THEN the tick answers: the alert fired, the experiment said not watched nor advanced
    fields = dict(reply.fields)
    assert fields["Fired"] == "up"
    assert fields["Chaos"] == (
        f"{experiment} not watched: its guard could not be read (ThrottlingException: "
        "GetSafetyLever); not advanced, halted if still so at 09:35 UTC"
    )
    after = chaos.store.get(ORG, experiment)
    assert after is not None and (after.step, after.percent) == (before.step, before.percent)
    # AND the alert's investigation is asked of the worker, as the scheduler
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    (task,) = [t for t in tasks.drain() if "investigate" in t.invocation.text]
    assert task.invocation.actor.user == "scheduler"
    # AND once the lever is read again, the page that fired halts it
    chaos.lever.unreadable = False
    assert ticks(services, clock, 1) == [f"{experiment} ended: halted"]
    again = chaos.store.get(ORG, experiment)
    assert again is not None and again.reason.startswith("a real outage of team payments")


def test_an_experiment_unwatched_for_three_minutes_is_halted_and_rolled_back() -> None:
    clock = MovingClock(NOW)
    chaos = flaky_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 1)
    # GIVEN its metrics unreadable for two minutes, then read again (watched again)
    assert isinstance(chaos.metrics, FlakyMetrics)
    chaos.metrics.blind = True
    ticks(services, clock, 2)
    chaos.metrics.blind = False
    ticks(services, clock, 1)
    # WHEN its metrics cannot be read, minute after minute
    chaos.metrics.blind = True
    said = ticks(services, clock, 4)
    # THEN it is not advanced for three minutes, then halted and its fault removed
    unwatched = f"{experiment} not watched: its metrics could not be read"
    assert [line.startswith(unwatched) for line in said[:3]] == [True] * 3
    assert said[3:] == [f"{experiment} ended: halted"]
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.ENDED
    assert stored.outcome is ExperimentOutcome.HALTED
    assert stored.reason == (
        "its metrics could not be read for 3 minutes, so it was no longer watched"
    )
    assert all(chaos.injector.removed(i.handle) for i in stored.injections)
    told = notifier_of(services).updated[-1][1]
    assert told.title.endswith("ended: halted")
    assert "no longer watched" in told.text
