"""Approvals of experiments on production services: the steady state is judged again at the
approval (a service broken since the start is refused), and a run nobody approves expires after
an hour, said in its message and audited as the scheduler, no longer blocking other starts."""

from __future__ import annotations

from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services
from shared.chaos.models import ExperimentState
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, notifier_of, records, run_deferred
from tests.support.chaos import FlakyMetrics, chaos_services, flaky_chaos, ticks

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


def wait_for_approval(services: Services, text: str = HARMLESS) -> str:
    """`sre chaos start TEXT` by oli on the production service; the id of the waiting run."""
    waiting = run_deferred(services, f"chaos start {text}", user="oli", channel="C-pay")
    assert waiting.tone is Tone.OK and "waits for approval" in waiting.title, waiting
    return waiting.title.split()[1]


def test_an_approval_judges_the_steady_state_again_and_refuses_a_broken_service() -> None:
    clock = MovingClock(NOW)
    chaos = flaky_chaos(clock)
    services = chaos_services(clock, chaos=chaos, production=True)
    experiment = wait_for_approval(services)
    # GIVEN the service broken since (its p99 past the steady state's 2 s)
    assert isinstance(chaos.metrics, FlakyMetrics)
    chaos.metrics.broken = True
    clock.at = NOW.replace(minute=45)
    # WHEN another operator approves THEN refused: the steady state does not hold now
    approved = run_deferred(services, f"chaos approve {experiment}", user="opal", channel="C-pay")
    assert approved.failed
    assert "The steady state does not hold before the experiment" in approved.text
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.AWAITING_APPROVAL
    assert stored.injections == []


def test_a_run_not_approved_within_an_hour_expires_and_no_longer_blocks_starts() -> None:
    clock = MovingClock(NOW)
    chaos = flaky_chaos(clock)
    services = chaos_services(clock, production=True, chaos=chaos)
    experiment = wait_for_approval(services)
    # WHEN nobody approves it for an hour THEN the tick at the hour ends it, and says so
    assert ticks(services, clock, 59) == []
    assert ticks(services, clock, 1) == [f"{experiment} ended: halted"]
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.ENDED
    assert stored.reason == "not approved within 1h"
    assert "expired" in [step.what for step in stored.history]
    told = notifier_of(services).updated[-1][1]
    assert "the approval expired (not approved within 1h): nothing was injected" in told.text
    # AND it is audited as the scheduler
    audited = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    assert [e.actor.user for e in audited if e.command == f"chaos expired {experiment}"] == [
        "scheduler"
    ]
    # AND approving it now is refused; a new run on the service may wait for approval again
    late = run_deferred(services, f"chaos approve {experiment}", user="opal", channel="C-pay")
    assert late.failed
    assert "has already ended (its approval expired at 10:30 UTC): nothing to approve" in late.text
    assert wait_for_approval(services, f"{HARMLESS} --percent 5,25") != experiment


def test_an_approval_after_the_hour_that_no_tick_expired_expires_it_instead_of_starting_it() -> (
    None
):
    clock = MovingClock(NOW)
    chaos = flaky_chaos(clock)
    services = chaos_services(clock, production=True, chaos=chaos)
    experiment = wait_for_approval(services)
    # GIVEN three hours since it asked for approval, and no scheduler tick meanwhile (a terminal
    # used without `sre serve`)
    clock.at = NOW.replace(hour=12)
    # WHEN another operator approves it
    late = run_deferred(services, f"chaos approve {experiment}", user="opal", channel="C-pay")
    # THEN refused: its approval expired; it ends as the tick would have ended it, nothing injected
    assert late.failed
    assert late.text == (
        f"{experiment} was not approved within 1h of its start (09:30 UTC): its approval "
        "expired, so it has ended and nothing was injected. `sre chaos start checkout-api …` "
        "asks for a new approval."
    )
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.ENDED
    assert stored.reason == "not approved within 1h"
    assert stored.injections == [] and stored.approved_by == ""
    told = notifier_of(services).updated[-1][1]
    assert "the approval expired (not approved within 1h): nothing was injected" in told.text
    # AND the expiry is audited as the scheduler, the refused approval as opal's
    audited = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    assert [(e.actor.user, e.outcome.value) for e in audited[-3:]] == [
        ("opal", "requested"),
        ("scheduler", "succeeded"),
        ("opal", "failed"),
    ]
    assert audited[-2].command == f"chaos expired {experiment}"
    # AND the service is free: a new run may wait for approval
    assert wait_for_approval(services, f"{HARMLESS} --percent 5,25") != experiment


def test_a_starter_no_longer_an_operator_cannot_have_their_run_approved() -> None:
    clock = MovingClock(NOW)
    chaos = flaky_chaos(clock)
    services = chaos_services(clock, production=True, chaos=chaos)
    experiment = wait_for_approval(services)
    # GIVEN its starter oli made a viewer since (or removed: the same)
    demoted = run_deferred(services, "team role set oli viewer --team payments", user="ann")
    assert not demoted.failed, demoted
    # WHEN another operator approves it
    approved = run_deferred(services, f"chaos approve {experiment}", user="opal", channel="C-pay")
    # THEN refused: one operator alone would have started it (it started, "planned by @oli")
    assert approved.failed
    assert approved.text.startswith(
        f"@oli, who started {experiment}, is no longer an operator of team payments, so it "
        "cannot be approved: it needs two operators."
    )
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.AWAITING_APPROVAL
    assert stored.injections == []
    # AND the halt the refusal names ends it
    halted = run_deferred(services, f"chaos halt {experiment}", user="opal", channel="C-pay")
    assert not halted.failed, halted
    ended = chaos.store.get(ORG, experiment)
    assert ended is not None and ended.state is ExperimentState.ENDED
