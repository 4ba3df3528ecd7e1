"""Safe by order: a step whose audit entry cannot be written is not taken (halted instead),
a start left unfinished is ended failed and its injection removed, a step short of traffic is
extended, then ended inconclusive, never advanced."""

from __future__ import annotations

from shared.adapters.memory import InMemoryAuditLog
from shared.chaos.models import ExperimentOutcome, ExperimentState, Injection
from tests.support import NOW, ORG, MovingClock, run
from tests.support.chaos import an_experiment, chaos_of, chaos_services, start_experiment, ticks

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


def test_an_advance_whose_audit_entry_cannot_be_written_halts_the_experiment() -> None:
    clock, log = MovingClock(NOW), InMemoryAuditLog()
    services = chaos_services(clock, audit_log=log)
    experiment = start_experiment(services, HARMLESS)
    assert ticks(services, clock, 10) == []
    # WHEN the step at 1% is over while the audit trail is unavailable
    log.failing = True
    said = ticks(services, clock, 1)
    log.failing = False
    # THEN it is not advanced but halted, never left faulting unaudited: no second injection,
    # the first one removed and verified
    assert said == [f"{experiment} ended: halted"]
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and [i.percent for i in stored.injections] == [1]
    assert stored.outcome is ExperimentOutcome.HALTED
    assert "the audit trail is unavailable" in stored.reason
    assert [r.verified for r in stored.rollbacks] == [True]
    # AND the next tick, with the trail back, only writes the entries the halt owed it
    assert ticks(services, clock, 1) == ["2 owed audit entries written"]
    assert ticks(services, clock, 1) == []


def test_a_start_left_unfinished_ends_failed_and_its_injection_is_removed() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    store = chaos_of(services).store
    # GIVEN a start recorded with its first injection, whose worker stopped before injecting
    left = an_experiment(
        org=ORG,
        state=ExperimentState.STARTING,
        injections=[Injection(key="chx-0a1b2c-0", percent=1)],
    )
    store.save(left)
    # WHEN the scheduler runs: not within 3 minutes (a start may still be under way), then
    assert ticks(services, clock, 2) == []
    assert ticks(services, clock, 1) == ["chx-0a1b2c ended: failed"]
    ended = store.get(ORG, "chx-0a1b2c")
    assert ended is not None and ended.outcome is ExperimentOutcome.FAILED
    assert "its start was left unfinished" in ended.reason
    assert [r.verified for r in ended.rollbacks] == [True]


def test_a_step_short_of_traffic_is_extended_then_ends_inconclusive() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    # GIVEN 1% of the sample for 2 minutes a step: about 60 faulted requests a minute, where an
    # error rate at the 1% bound needs over a thousand to show
    text = 'checkout-api --fault delay:100ms --percent 1,5 --duration 2m --expect "error_rate < 1%"'
    experiment = start_experiment(services, text)
    said = ticks(services, clock, 8)
    assert said == [f"{experiment} extended at 1%"] * 3 + [f"{experiment} ended: inconclusive"]
    shown = run(services, f"chaos status {experiment}", user="vic", channel="C-pay")
    assert "inconclusive: too few faulted requests to judge: " in shown.text
    assert "1% inconclusive: too few faulted requests" in shown.text  # (said once)
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and [i.percent for i in stored.injections] == [1]
