"""An experiment's page says each step as its message does: never the verb or its author twice
(`halted by @rey: halted by @rey`), never the before-verdict twice (`before: before: …`)."""

from __future__ import annotations

import pytest

from shared.chaos.page import render
from tests.support import NOW, ORG, MovingClock, run_deferred
from tests.support.chaos import chaos_of, chaos_services, start_experiment, ticks

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def test_the_page_says_who_halted_it_once(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 2)
    # WHEN a responder halts it, and it is read on its page
    assert not run_deferred(
        services, f"chaos halt {experiment}", user="rey", channel="C-pay"
    ).failed
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None
    page = render(stored, None)
    # THEN the halt is said once, with who did it, as the message says it
    assert "1% halted by @rey</li>" in page
    assert "halted by @rey: halted by @rey" not in page
    # AND the steady state before it is said once, not `before, at 0%: before: …`
    assert "before the first injection: held</strong>: p99 latency" in page
    assert "before: before" not in page and "at 0%" not in page


def test_the_page_names_who_pulled_the_lever_once(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    # WHEN an org admin pulls the lever
    assert not run_deferred(services, "chaos halt --all", user="root", channel="C-pay").failed
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None
    # THEN its page names them once
    page = render(stored, None)
    assert "1% halted: safety lever engaged by @root</li>" in page
    assert "halted by @root: safety lever" not in page
