"""Rollbacks that cannot be skipped: one that fails makes the experiment failed, said loudly in
its message, and the scheduler tries it again at every tick until the removal is verified."""

from __future__ import annotations

import json
from datetime import timedelta

from bots.slack.render import blocks
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.adapters import ChaosAdapters
from shared.bootstrap.wiring import Services
from shared.chaos.models import ExperimentOutcome, ExperimentState
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, notifier_of, records, run, run_deferred
from tests.support.chaos import (
    JammedInjector,
    chaos_services,
    jammed_chaos,
    start_experiment,
    ticks,
)

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


def _started_on_a_slow_removal(
    clock: MovingClock,
) -> tuple[JammedInjector, ChaosAdapters, Services, str]:
    """A harmless experiment started by oli in C-pay, its injector reading "stopping" after a
    removal is asked (as FIS does for a few minutes) until told otherwise."""
    chaos = jammed_chaos(clock)
    assert isinstance(chaos.injector, JammedInjector)
    chaos.injector.jammed, chaos.injector.stopping = False, True
    services = chaos_services(clock, chaos=chaos)
    return chaos.injector, chaos, services, start_experiment(services, HARMLESS)


def test_a_failed_rollback_is_reported_failed_and_retried_until_verified() -> None:
    clock = MovingClock(NOW)
    chaos = jammed_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    experiment = start_experiment(services, HARMLESS)
    # WHEN a responder halts it and the injector cannot remove the fault
    halted = run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    # THEN the halt says the fault is still there, and that the scheduler retries
    assert halted.failed
    assert "its fault could not be removed yet" in halted.text
    assert "(the simulation throttled the request); it was halted by @rey" in halted.text
    assert "ThrottlingException" not in halted.text and "chx-" not in halted.text.split(" ", 1)[1]
    loud = notifier_of(services).updated[-1][1]
    assert loud.tone is Tone.ERROR
    assert loud.title.endswith("FAILED, its fault is still injected: removal retried every minute")
    # AND every tick tries again while it fails, never calling it ended
    assert (
        ticks(services, clock, 2)
        == [f"{experiment} FAILED: its fault could not be removed yet, retried every minute"] * 2
    )
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.ROLLING_BACK
    # WHEN the injector recovers THEN the next tick removes it, verified; the outcome stays failed
    assert isinstance(chaos.injector, JammedInjector)
    chaos.injector.jammed = False
    assert ticks(services, clock, 1) == [f"{experiment} ended: failed"]
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.outcome is ExperimentOutcome.FAILED
    assert chaos.injector.removed(stored.injections[0].handle)
    reply = run(services, f"chaos status {experiment} --journal", user="vic", channel="C-pay")
    journal = json.loads(reply.text.removeprefix("```\n").removesuffix("\n```"))
    assert journal["status"] == "failed"
    # (of the failed tries, the first and the latest are kept)
    assert [r["status"] for r in journal["rollbacks"]] == ["failed", "failed", "succeeded"]
    assert [r["start"] for r in journal["rollbacks"]] == [
        (NOW + timedelta(minutes=m)).isoformat() for m in (0, 2, 3)
    ]


def test_a_failed_rollback_is_a_new_message_naming_both_people_in_words() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock, chaos=jammed_chaos(clock))
    experiment = start_experiment(services, HARMLESS)  # by @oli
    posts = len(notifier_of(services).posted)
    # WHEN @rey halts it and the injector cannot remove the fault
    run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    # THEN a new message, an error, in the team's channel, as Slack renders it
    new = notifier_of(services).posted[posts:]
    ((where, alarm),) = [(t, r) for t, r in new if r.title.endswith("its fault is still injected")]
    assert where.channel == "C-pay" and alarm.tone is Tone.ERROR
    said = json.dumps(blocks(alarm))
    assert (
        "The fault delay:100ms is still injected into 1% of checkout-api: its removal failed "
        "(the simulation throttled the request). Auto SRE retries every minute; nothing needs "
        "doing by hand: the simulated fault ends by itself when its run does"
    ) in said
    assert "Started by @oli; halted by @rey." in said
    assert [r.id for r in alarm.refs] == ["oli", "rey"]  # mentioned where the ids are Slack's
    assert "ThrottlingException" not in said
    # AND its message's history says @rey made the attempt, in words
    message = notifier_of(services).updated[-1][1]
    assert "rollback failed by @rey: its removal failed (the simulation throttled" in message.text
    # AND the retries after it post nothing new
    ticks(services, clock, 2)
    assert notifier_of(services).posted[posts:] == new


def test_a_persons_rollback_is_theirs_in_the_history() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    message = notifier_of(services).updated[-1][1]
    assert "rolled back by @rey: every injection removed and verified" in message.text
    assert "@scheduler" not in json.dumps(blocks(message))


def test_an_injection_that_fails_ends_the_experiment_failed_with_nothing_left() -> None:
    clock = MovingClock(NOW)
    chaos = jammed_chaos(clock)
    assert isinstance(chaos.injector, JammedInjector)
    chaos.injector.jammed, chaos.injector.refusing = False, True
    services = chaos_services(clock, chaos=chaos)
    refused = run_deferred(services, f"chaos start {HARMLESS}", user="oli", channel="C-pay")
    assert refused.failed
    assert (
        "could not start: the fault could not be injected (the simulation refused it: "
        "permission denied)" in refused.text
    )
    assert "AccessDeniedException" not in refused.text
    (stored,) = chaos.store.list_for(ORG, "payments")
    assert stored.state is ExperimentState.ENDED and stored.outcome is ExperimentOutcome.FAILED
    assert [r.verified for r in stored.rollbacks] == [True]  # its recorded injection: not there
    assert notifier_of(services).posted[-1][1].tone is Tone.ERROR


def test_a_fault_still_stopping_is_a_halt_under_way_not_a_failed_rollback() -> None:
    clock = MovingClock(NOW)
    injector, chaos, services, experiment = _started_on_a_slow_removal(clock)
    # WHEN a responder halts it and the injector reads "stopping" for a few minutes (FIS does)
    halted = run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    # THEN the halt is done and its removal under way: not a failure
    assert not halted.failed
    assert "its fault is being removed" in halted.title
    waiting = f"{experiment} removing its fault: asked, not verified yet (checked every minute)"
    assert ticks(services, clock, 3) == [waiting] * 3
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.outcome is ExperimentOutcome.HALTED
    # WHEN the injector reads stopped THEN the next tick ends it halted, never failed
    injector.stopping = False
    assert ticks(services, clock, 1) == [f"{experiment} ended: halted"]


def test_a_fault_stopping_past_the_grace_is_a_failed_rollback() -> None:
    clock = MovingClock(NOW)
    _, chaos, services, experiment = _started_on_a_slow_removal(clock)
    run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    # WHEN the removal is still not verified five minutes after it was asked
    said = ticks(services, clock, 5)
    # THEN the fifth minute calls it failed, loudly, and it is retried every tick
    assert (
        said[-1] == f"{experiment} FAILED: its fault could not be removed yet, retried every minute"
    )
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.outcome is ExperimentOutcome.FAILED
    assert stored.state is ExperimentState.ROLLING_BACK


def test_the_schedulers_failed_removal_is_audited_failed() -> None:
    # GIVEN an experiment whose one step ends while the injector cannot remove its fault
    clock = MovingClock(NOW)
    chaos = jammed_chaos(clock)
    assert isinstance(chaos.injector, JammedInjector)
    chaos.injector.jammed = False
    services = chaos_services(clock, chaos=chaos)
    start_experiment(services, HARMLESS + " --percent 5")
    chaos.injector.jammed = True
    ticks(services, clock, 12)
    # THEN the trail records the failed removal as failed: an auditor filtering on failed
    # outcomes finds it (it was recorded as succeeded)
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    failed = [e for e in entries if e.command.startswith("chaos rollback failed")]
    assert failed and all(e.outcome is Outcome.FAILED for e in failed), [
        (e.command, e.outcome) for e in entries[-6:]
    ]
