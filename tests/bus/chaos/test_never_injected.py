"""An experiment that never injected anything says so: halted before it started, its approval
expired, or it could not start; no fault said removed, no `rolled back` line; approving one that
has ended says how it ended and that there is nothing to approve."""

from __future__ import annotations

from shared.chaos.models import ExperimentState
from tests.support import NOW, ORG, MovingClock, notifier_of, run_deferred
from tests.support.chaos import (
    JammedInjector,
    chaos_of,
    chaos_services,
    jammed_chaos,
    ticks,
)

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


def test_halting_a_run_awaiting_approval_says_nothing_was_injected() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock, production=True)
    waiting = run_deferred(services, f"chaos start {HARMLESS}", user="oli", channel="C-pay")
    experiment = waiting.title.split()[1]
    # WHEN a responder halts it before anyone approved it
    halted = run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    # THEN the answer says nothing was injected, not that a fault was removed
    assert halted.title == f"{experiment} halted before it started by @rey: nothing was injected"
    # AND its message says the same, with no rollback line
    message = notifier_of(services).updated[-1][1]
    assert "halted before it started by @rey: nothing was injected" in message.text
    assert "rolled back" not in message.text and "1% halted" not in message.text
    # WHEN another operator approves it now THEN they are told how it ended
    approve = run_deferred(services, f"chaos approve {experiment}", user="opal", channel="C-pay")
    assert approve.failed
    assert (
        f"{experiment} has already ended (halted by @rey at 09:30 UTC): nothing to approve"
        in approve.text
    ), approve


def test_an_expired_approval_says_nothing_was_injected() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock, production=True)
    waiting = run_deferred(services, f"chaos start {HARMLESS}", user="oli", channel="C-pay")
    experiment = waiting.title.split()[1]
    # WHEN nobody approves it within the hour
    ticks(services, clock, 60)
    # THEN its message says the approval expired and nothing was injected, no rollback
    message = notifier_of(services).updated[-1][1]
    assert "the approval expired (not approved within 1h): nothing was injected" in message.text
    assert "rolled back" not in message.text
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.ENDED


def test_a_start_the_injector_refuses_says_it_could_not_start() -> None:
    clock = MovingClock(NOW)
    chaos = jammed_chaos(clock)
    assert isinstance(chaos.injector, JammedInjector)
    chaos.injector.jammed, chaos.injector.refusing = False, True
    services = chaos_services(clock, chaos=chaos)
    # WHEN the injector refuses the first injection
    refused = run_deferred(services, f"chaos start {HARMLESS}", user="oli", channel="C-pay")
    assert refused.failed
    # THEN its message says it could not start, not `1% failed by @oli`, and no rollback
    ((_, message),) = [
        (t, m) for t, m in notifier_of(services).posted if m.title.startswith("Chaos chx-")
    ]
    assert "could not start: the fault could not be injected" in message.text, message.text
    assert "1% failed" not in message.text and "rolled back" not in message.text
