"""How long a step must be, through the bus: a latency steady state needs steps long enough for
a latency shift to show at the last look (its number said, and why), by `plan` and `start`
alike; an error-rate steady state keeps its 2 minutes; the default steps pass the rule."""

from __future__ import annotations

import pytest

from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, run, run_deferred
from tests.support.chaos import chaos_of, chaos_services

LATENCY = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
ERRORS = 'checkout-api --fault error --expect "error_rate < 1%"'


@pytest.mark.parametrize("verb", ["plan", "start"])
def test_a_latency_steady_state_in_2_minute_steps_is_refused_with_the_length_it_needs(
    verb: str,
) -> None:
    services = chaos_services(MovingClock(NOW))
    reply = run(services, f"chaos {verb} {LATENCY} --duration 2m", user="oli", channel="C-pay")
    assert reply.tone is Tone.USAGE
    assert reply.title == (
        "--duration 2m is too short: a latency steady state needs steps of at least 11m: 1m of "
        "ramp-up and 10 judged minutes at the last look of 3 steps (fewer cannot show a latency "
        "shift at its confidence): use --duration 11m or longer."
    )
    # AND nothing was started
    assert chaos_of(services).store.list_for(ORG, "payments") == []


def test_fewer_steps_need_fewer_minutes_and_the_length_said_is_accepted() -> None:
    services = chaos_services(MovingClock(NOW))
    short = run(
        services, f"chaos plan {LATENCY} --percent 5 --duration 8m", user="oli", channel="C-pay"
    )
    assert short.tone is Tone.USAGE
    assert "at least 9m: 1m of ramp-up and 8 judged minutes at the last look of 1 step " in (
        short.title
    )
    enough = run_deferred(
        services, f"chaos plan {LATENCY} --percent 5 --duration 9m", user="oli", channel="C-pay"
    )
    assert enough.title.endswith("(would start)"), enough


def test_an_error_rate_steady_state_keeps_its_2_minute_steps() -> None:
    services = chaos_services(MovingClock(NOW))
    plan = run_deferred(services, f"chaos plan {ERRORS} --duration 2m", user="oli", channel="C-pay")
    assert plan.title.endswith("(would start)"), plan
    assert dict(plan.fields)["Steps"] == "1% → 5% → 25%, 2m each"


def test_the_default_steps_are_long_enough_for_a_latency_steady_state() -> None:
    services = chaos_services(MovingClock(NOW))
    plan = run_deferred(services, f"chaos plan {LATENCY}", user="oli", channel="C-pay")
    assert plan.title.endswith("(would start)"), plan
    assert dict(plan.fields)["Steps"] == "1% → 5% → 25%, 11m each"
