"""A fault the steady state cannot see is refused, not verified: `http-status:404` with any
steady state (a 4xx is no error and slows nothing), `error` or a 5xx without an error-rate
bound; a game day kept with such a pairing is skipped saying why, and a run that held with one
(designed before it was refused) records no verified resilience; nor does an error bound
nothing can break (`error_rate <= 100%`)."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from bots.slack.render import blocks
from shared.chaos.models import Fault
from shared.chaos.schedules import GameDay, Window
from shared.replies import Tone
from shared.telemetry.models import ResourceKind
from tests.support import NOW, ORG, MovingClock, run, run_deferred
from tests.support.chaos import chaos_of, chaos_services, start_experiment, ticks

NO_4XX = "cannot break any steady state: a 4xx is the client's answer, not an error"
ERRORS_ONLY = "fails requests, which only an error-rate bound sees"


@pytest.mark.parametrize(
    ("fault", "expect", "why"),
    [
        ("http-status:404", "error_rate < 1%", NO_4XX),
        ("http-status:429", "p99_latency < 2s", NO_4XX),
        ("error", "p99_latency < 2s", ERRORS_ONLY),
        ("http-status:503", "p50_latency < 1s", ERRORS_ONLY),
    ],
)
def test_a_fault_its_steady_state_cannot_see_is_refused_with_what_would(
    fault: str, expect: str, why: str
) -> None:
    services = chaos_services(MovingClock(NOW))
    for verb in ("plan", "start"):
        # WHEN oli designs it THEN a usage answer says why, and what to write instead
        text = f'chaos {verb} checkout-api --fault {fault} --expect "{expect}"'
        reply = run(services, text, user="oli", channel="C-pay")
        assert reply.tone is Tone.USAGE, reply
        shown = html.unescape(str(blocks(reply)))
        assert f"`{fault}` {why}" in shown
        assert "a held would verify nothing" in shown
    assert chaos_of(services).store.list_for(ORG, "payments") == []


@pytest.mark.parametrize(
    ("fault", "steady"),
    [
        ("delay:100ms", '--expect "error_rate < 1%"'),  # a delay past a timeout fails requests
        ("http-status:503", '--expect "p99_latency < 2s" --expect "error_rate < 1%"'),
    ],
)
def test_a_fault_one_expectation_sees_is_planned(fault: str, steady: str) -> None:
    services = chaos_services(MovingClock(NOW))
    text = f"chaos plan checkout-api --fault {fault} {steady}"
    plan = run_deferred(services, text, user="oli", channel="C-pay")
    assert plan.title == f"Plan: {fault} on checkout-api (would start)", plan


def test_a_game_day_kept_with_a_fault_its_steady_state_cannot_see_is_skipped() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    store = chaos_of(services).store
    # GIVEN a game day of http-status:404 under `error_rate < 1%`, open now (kept before such a
    # pairing was refused)
    store.save_game_day(
        GameDay(
            id="chs-0a1b2c",
            org=ORG,
            team="payments",
            service="checkout-api",
            kind=ResourceKind.SAMPLE,
            fault=Fault.parse("http-status:404"),
            percents=[1, 5, 25],
            step_duration=timedelta(minutes=11),
            expectations=["error_rate < 1%"],
            valid_for=timedelta(days=30),
            every=timedelta(days=7),
            window=Window.parse("Sun 09:00-12:00"),
            created_by="oli",
            created_at=NOW,
        )
    )
    # WHEN the scheduler ticks inside its window THEN it is skipped, saying why; nothing runs
    (said,) = [line for line in ticks(services, clock, 1) if "skipped" in line]
    assert said.startswith(f"chs-0a1b2c skipped: `http-status:404` {NO_4XX}")
    assert "Unschedule this game day" in said
    assert store.list_for(ORG, "payments") == []


def test_a_run_that_held_with_a_fault_no_expectation_sees_verifies_nothing() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    store = chaos_of(services).store
    # GIVEN a run recorded as http-status:404 under `error_rate < 1%` (from before such a
    # pairing was refused), at 25% then 50% for 5 minutes each
    experiment = start_experiment(
        services,
        'checkout-api --fault delay:100ms --expect "error_rate < 1%" --percent 25,50 --duration 5m',
    )
    stored = store.get(ORG, experiment)
    assert stored is not None
    store.save(stored.model_copy(update={"fault": Fault.parse("http-status:404")}))
    # WHEN it ends held
    assert f"{experiment} ended: held" in ticks(services, clock, 12)
    # THEN no verified resilience is recorded, and its message says why
    assert store.verified(ORG, "payments") == []
    shown = run(services, f"chaos status {experiment}", user="vic", channel="C-pay")
    assert f"not verified: `http-status:404` {NO_4XX}" in shown.text


@pytest.mark.parametrize("fault", ["error", "http-status:503", "delay:100ms"])
def test_an_error_bound_nothing_can_break_is_refused_not_verified(fault: str) -> None:
    # before: `error_rate <= 100%` under `error` held at 50% and recorded verified resilience
    services = chaos_services(MovingClock(NOW))
    for verb in ("plan", "start"):
        text = f'chaos {verb} checkout-api --fault {fault} --expect "error_rate <= 100%"'
        reply = run(services, text, user="oli", channel="C-pay")
        assert reply.tone is Tone.USAGE, reply
        assert "`error_rate <= 100%` can never break" in html.unescape(str(blocks(reply)))
    assert chaos_of(services).store.list_for(ORG, "payments") == []
