"""An investigation of a service lists the chaos runs on it among its events, and one opened while
a run injects a fault into the service says so in its headline (through the bus, as Slack shows
it, on the embedded default's simulation of the sample)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bots.slack.render import blocks
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, run, run_deferred
from tests.support.chaos import adapters_of, chaos_services, start_experiment, ticks

DELAY = 'checkout-api --fault delay:1500ms --percent 5,25 --expect "p99_latency < 2s"'


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def test_an_investigation_opened_during_a_run_says_so_in_its_headline(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, DELAY)
    ticks(services, clock, 2)
    # WHEN a responder investigates the service while the fault is injected into 5% of it
    reply = run_deferred(services, "investigate checkout-api", user="rey", channel="C-pay")
    # THEN the headline says the service is being faulted on purpose, by which experiment
    assert reply.tone is Tone.INFO
    while_ = f"while chaos experiment {experiment} injects delay:1500ms into 5% of checkout-api"
    assert reply.title.endswith(f", {while_}"), reply.title
    assert while_ in str(blocks(reply))
    # AND the run is among its events, still injecting, and the investigation keeps the headline
    events = dict(reply.fields)["Events"].splitlines()
    assert (
        "09:30 chaos: delay:1500ms on 5% of checkout-api, started 09:30 UTC by @oli, "
        "still injecting"
    ) in events
    kept = adapters_of(services).investigations.recent(ORG, "payments", newest=10)[0]
    assert kept.headline.endswith(while_)


def test_a_halted_run_is_listed_with_how_it_ended_and_not_in_the_headline(
    clock: MovingClock,
) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, DELAY)
    ticks(services, clock, 4)
    halted = run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    assert not halted.failed, halted
    ticks(services, clock, 3)
    # WHEN the service is investigated after the run was halted and rolled back
    reply = run_deferred(services, "investigate checkout-api", user="rey", channel="C-pay")
    # THEN the run is an event of the report, with who started it and when it was halted
    line = (
        "09:30 chaos: delay:1500ms on 5% of checkout-api, started 09:30 UTC by @oli, "
        "halted 09:34 UTC"
    )
    assert line in dict(reply.fields)["Events"].splitlines()
    assert "chaos: delay:1500ms on 5% of checkout-api" in str(blocks(reply))
    # AND nothing is injected any more, so the headline does not say it is
    assert "while chaos experiment" not in reply.title


def test_another_services_run_is_not_an_event_of_the_report(clock: MovingClock) -> None:
    services = chaos_services(clock)
    start_experiment(services, DELAY)
    assert not run(
        services, "service register search-api --sample checkout --team payments", user="oli"
    ).failed
    # WHEN another service of the team is investigated during the run
    reply = run_deferred(services, "investigate search-api", user="rey", channel="C-pay")
    # THEN neither its events nor its headline mention checkout-api's experiment
    assert "chaos" not in dict(reply.fields).get("Events", "")
    assert "chaos" not in reply.title


def test_a_run_of_another_day_is_dated_in_the_report(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, DELAY)
    ticks(services, clock, 4)
    run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    # WHEN the service is investigated the next day over the last 24 hours
    clock.at += timedelta(hours=23)
    reply = run_deferred(
        services, "investigate checkout-api --window 24h", user="rey", channel="C-pay"
    )
    # THEN the run's times carry their date, in UTC
    assert (
        "chaos: delay:1500ms on 5% of checkout-api, started Sun 22 Nov 09:30 UTC by @oli, "
        "halted Sun 22 Nov 09:34 UTC"
    ) in str(blocks(reply))
