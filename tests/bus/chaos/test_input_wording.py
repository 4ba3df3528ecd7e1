"""How `sre chaos plan` and `start` answer input an outside reviewer tried, through the bus:
a missing `--expect` with an example as typed, a delay out of FIS's range (or in seconds), a
latency or error-rate bound no service can meet or no reply can write, a signal that is not
judged under a fault, and a step longer than one FIS action can hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    SimulatedSafetyLever,
)
from shared.adapters.memory import InMemoryChaosStore
from shared.bootstrap.adapters import ChaosAdapters
from shared.replies import Tone
from tests.support import NOW, MovingClock, run, run_deferred
from tests.support.chaos import chaos_services, start_experiment
from tests.support.racing import sample_injections

ERRORS = '--expect "error_rate < 1%"'


def refused(command: str) -> str:
    """The title of the refusal of `sre <command>` by operator oli in C-pay."""
    reply = run(chaos_services(MovingClock(NOW)), command, user="oli", channel="C-pay")
    assert reply.tone is Tone.USAGE, reply
    return reply.title


def test_a_missing_expect_is_answered_with_an_example_as_typed() -> None:
    said = refused("chaos plan checkout-api --fault error")
    assert said.startswith('--expect is missing, e.g. `--expect "p99_latency < 2s"`')
    assert "['" not in said


@pytest.mark.parametrize("fault", ["delay:99999999999999999999ms", "delay:0ms", "delay:1.5ms"])
def test_a_delay_out_of_range_is_answered_with_the_range(fault: str) -> None:
    said = refused(f"chaos plan checkout-api --fault {fault} {ERRORS}")
    assert "a delay is 1 to 900,000 ms" in said
    assert "e.g. `delay:1500ms`" in said
    assert "unknown fault" not in said


def test_a_delay_in_seconds_is_taken_in_ms() -> None:
    services = chaos_services(MovingClock(NOW))
    plan = run_deferred(
        services,
        f"chaos plan checkout-api --fault delay:1.5s {ERRORS}",
        user="oli",
        channel="C-pay",
    )
    assert plan.title == "Plan: delay:1500ms on checkout-api (would start)", plan


@pytest.mark.parametrize(
    ("bound", "said"),
    [
        ("p99_latency < 99999999999999999999s", "a latency bound is from 1ms to 900,000ms"),
        ("p99_latency < 0ms", "a latency bound is from 1ms to 900,000ms"),
        ("p50_latency < 1000s", "a latency bound is from 1ms to 900,000ms"),
        ("error_rate < 0%", "can never hold: an error rate bound is from 0.001% to 100%"),
        ("error_rate < 0.00001%", "can never hold: an error rate bound is from 0.001% to 100%"),
    ],
)
def test_a_bound_no_service_meets_or_no_reply_writes_is_refused(bound: str, said: str) -> None:
    title = refused(f'chaos plan checkout-api --fault error --expect "{bound}"')
    assert said in title
    assert "e+" not in title and "e-0" not in title


def test_a_signal_not_judged_under_a_fault_is_answered_with_a_steady_state() -> None:
    said = refused('chaos plan checkout-api --fault error --expect "saturation < 50%"')
    assert "saturation is not judged under a fault" in said
    assert "`p99_latency < 2s`" in said
    assert ">" not in said  # never an alert condition to copy


@pytest.mark.parametrize("verb", ["plan", "start"])
@pytest.mark.parametrize("duration", ["3h", "1d", "2d", "99999999999999999h"])
def test_a_step_longer_than_one_fis_action_holds_is_refused_with_why(
    verb: str, duration: str
) -> None:
    # WHEN a step longer than the longest is asked, however much longer
    said = refused(f"chaos {verb} checkout-api --fault error {ERRORS} --duration {duration}")
    # THEN the answer names the real limit and why, never a larger one
    assert said == (
        f"`{duration}` is too long for --duration: at most 2h50m: AWS FIS runs an action at "
        "most 12 hours, and a step may be extended 3 times."
    )


def test_the_longest_step_extended_to_its_limit_fits_one_fis_action() -> None:
    # GIVEN the simulation's state, seen from the test
    clock = MovingClock(NOW)
    state = InMemoryChaosState()
    chaos = ChaosAdapters(
        store=InMemoryChaosStore(),
        injector=SimulatedFaultInjector(state=state, clock=clock),
        lever=SimulatedSafetyLever(state=state),
        metrics=SimulatedFaultMetrics(state=state),
    )
    services = chaos_services(clock, chaos=chaos)
    # WHEN the longest step a start accepts is started
    start_experiment(services, f"checkout-api --fault error {ERRORS} --duration 2h50m")
    # THEN its injection lasts the step extended 3 times and a margin: within FIS's 12 hours
    (made,) = sample_injections(state)
    assert made.until - made.at == timedelta(hours=11, minutes=25)
    assert made.until - made.at <= timedelta(hours=12)
    # AND a minute more is refused: its injection would not fit
    longer = run(
        services,
        f"chaos start checkout-api --fault error {ERRORS} --duration 2h51m",
        user="oli",
        channel="C-pay",
    )
    assert longer.tone is Tone.USAGE
    assert "at most 2h50m" in longer.title
