"""Verified resilience through the bus on the sample's simulation: an experiment that ends held
records what it proved (listed by `sre chaos list --verified`), which expires after `--valid-for`
and is revoked, said, by a later deviated run of the same service and fault."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.memory import InMemoryAuditLog
from shared.audit.models import StreamKey
from shared.chaos.reading import void_in
from shared.replies import Tone
from shared.telemetry.models import ResourceKind
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    notifier_of,
    records,
    run,
    run_deferred,
    service_of,
)
from tests.support.chaos import chaos_of, chaos_services, start_experiment, ticks

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
TIGHT = 'checkout-api --fault delay:100ms --expect "p99_latency < 450ms"'
"""The same fault against a bound it breaks: 100 ms more on a p99 near 380 ms."""


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def listed(services: object, *, user: str = "vic") -> dict[str, str]:
    """`sre chaos list --verified` in C-pay: its fields."""
    reply = run(services, "chaos list --verified", user=user, channel="C-pay")  # type: ignore[arg-type]
    assert reply.tone is Tone.INFO, reply
    return dict(reply.fields)


def test_a_held_experiment_records_verified_resilience_listed_until_it_expires(
    clock: MovingClock,
) -> None:
    services = chaos_services(clock)
    assert run(services, "chaos list --verified", user="vic", channel="C-pay").title == (
        "Team payments has no verified resilience"
    )
    experiment = start_experiment(services, HARMLESS)
    # WHEN it ends held
    assert ticks(services, clock, 41)[-1] == f"{experiment} ended: held"
    # THEN its message says what it verified, until when
    last = notifier_of(services).updated[-1][1]
    assert (
        "25% verified: resilience of checkout-api to delay:100ms verified at 25% "
        "until Tue 22 Dec" in last.text
    )
    # AND the team's list shows it: fault, largest share, steady state, when, by which run
    reply = run(services, "chaos list --verified", user="vic", channel="C-pay")
    assert reply.title == "Verified resilience of payments: 1 current of 1"
    assert dict(reply.fields)["checkout-api"] == (
        f"delay:100ms held at 25% (p99_latency < 2s) on Sun 22 Nov by {experiment}: "
        "until Tue 22 Dec"
    )
    # AND the scheduler's verification is on the record
    steps = [
        e.command
        for e in records(services.audit_log, StreamKey(org=ORG, team="payments"))
        if e.actor.user == "scheduler"
    ]
    assert steps[-2:] == [f"chaos rolled back {experiment}", f"chaos verified {experiment}"]
    # WHEN 30 days pass, THEN it is listed as expired
    clock.at += timedelta(days=30)
    assert listed(services)["checkout-api"].endswith("EXPIRED Tue 22 Dec")


def test_valid_for_sets_how_long_it_stands_and_is_bounded(clock: MovingClock) -> None:
    services = chaos_services(clock)
    too_long = run(
        services, f"chaos start {HARMLESS} --valid-for 400d", user="oli", channel="C-pay"
    )
    assert too_long.failed
    assert "`400d` is too long for --valid-for: at most 365d" in too_long.title
    experiment = start_experiment(services, f"{HARMLESS} --valid-for 7d")
    ticks(services, clock, 41)
    assert listed(services)["checkout-api"].endswith(f"by {experiment}: until Sun 29 Nov")
    clock.at += timedelta(days=7)
    assert "EXPIRED Sun 29 Nov" in listed(services)["checkout-api"]


def test_a_later_deviated_run_of_the_same_fault_revokes_it_and_says_so(clock: MovingClock) -> None:
    services = chaos_services(clock)
    held = start_experiment(services, HARMLESS)
    ticks(services, clock, 41)
    # WHEN the same fault on the same service later breaks a tighter steady state
    later = start_experiment(services, TIGHT)
    assert ticks(services, clock, 10) == [f"{later} ended: deviated"]
    # THEN its message says it revoked the verified result, and the list marks it revoked
    last = notifier_of(services).updated[-1][1]
    assert last.tone is Tone.ERROR
    assert (
        "1% revoked: revokes the verified resilience of checkout-api to "
        f"delay:100ms (verified by {held})" in last.text
    )
    reply = run(services, "chaos list --verified", user="vic", channel="C-pay")
    assert reply.title == "Verified resilience of payments: 0 current of 1"
    assert dict(reply.fields)["checkout-api"].endswith(f"REVOKED Sun 22 Nov: {later} deviated")
    steps = [
        e.command
        for e in records(services.audit_log, StreamKey(org=ORG, team="payments"))
        if e.actor.user == "scheduler"
    ]
    assert steps[-1] == f"chaos revoked {later}"


def test_verified_and_all_together_are_refused(clock: MovingClock) -> None:
    services = chaos_services(clock)
    both = run(services, "chaos list --verified --all", user="vic", channel="C-pay")
    assert both.failed and "list one thing: `--all`, `--verified` or `--scheduled`" in both.title


def test_a_verification_whose_audit_entry_cannot_be_written_is_not_recorded() -> None:
    clock, log = MovingClock(NOW), InMemoryAuditLog()
    services = chaos_services(clock, audit_log=log)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 32)
    # WHEN it ends held (at the 33rd minute: three steps of 11) while the audit trail is unavailable
    log.failing = True
    assert ticks(services, clock, 1) == [f"{experiment} ended: held"]
    log.failing = False
    # THEN it ended (its fault removed), but no verified resilience is claimed
    reply = run(services, "chaos list --verified", user="vic", channel="C-pay")
    assert reply.title == "Team payments has no verified resilience"


def test_a_removed_or_re_pointed_service_voids_its_verified_resilience(clock: MovingClock) -> None:
    # GIVEN checkout-api's resilience to a delay verified
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    assert ticks(services, clock, 41)[-1] == f"{experiment} ended: held"
    # WHEN the service is removed
    assert not run(services, "service remove checkout-api", user="oli", channel="C-pay").failed
    # THEN the result proves nothing any more: listed as void, not current
    reply = run(services, "chaos list --verified", user="vic", channel="C-pay")
    assert reply.title == "Verified resilience of payments: 0 current of 1"
    assert dict(reply.fields)["checkout-api"].endswith("VOID: checkout-api was removed")
    # AND a service registered again under its name, for another resource, inherits nothing
    (result,) = chaos_of(services).store.verified(ORG, "payments")
    team = services.directory.get_team(ORG, "payments")
    assert team is not None
    lambda_one = service_of(ResourceKind.AWS_LAMBDA, "checkout-fn", "checkout-api")
    again = void_in(team.model_copy(update={"services": {"checkout-api": lambda_one}}))(result)
    assert again == "checkout-api now reads another resource (`checkout-fn`)"
    # (registered again for the sample, as it was verified: it stands)
    sample = run(
        services, "service register checkout-api --sample checkout", user="oli", channel="C-pay"
    )
    assert not sample.failed
    assert listed(services)["checkout-api"].endswith("until Tue 22 Dec")


def test_a_delay_held_under_an_error_rate_bound_alone_verifies_nothing_on_the_simulation(
    clock: MovingClock,
) -> None:
    # GIVEN the simulation, where a delay slows requests and never fails one
    services = chaos_services(clock)
    text = 'checkout-api --fault delay:900000ms --expect "error_rate < 1%" --percent 50'
    # (the plan says so before it runs)
    plan = run_deferred(services, f"chaos plan {text} --duration 20m", user="oli", channel="C-pay")
    assert "a held records no verified resilience" in plan.text, plan.text
    experiment = start_experiment(services, f"{text} --duration 20m")
    # WHEN its 15-minute delay "holds" under an error-rate bound alone
    assert ticks(services, clock, 41)[-1] == f"{experiment} ended: held"
    # THEN no resilience is recorded, and the message says why and what to add
    assert run(services, "chaos list --verified", user="vic", channel="C-pay").title == (
        "Team payments has no verified resilience"
    )
    last = notifier_of(services).updated[-1][1].text
    assert "an error-rate bound alone could not see delay:900000ms" in last, last
