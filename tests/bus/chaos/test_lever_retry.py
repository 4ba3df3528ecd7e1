"""`chaos halt --all` run again after the lever could not be engaged engages it: the org's own
halt record (kept when the lever failed) is not taken for an engaged lever."""

from __future__ import annotations

from tests.support import NOW, ORG, MovingClock, run_deferred
from tests.support.chaos import (
    UnreadableLever,
    chaos_services,
    flaky_chaos,
    sent_again,
    start_experiment,
)

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


def test_halt_all_run_again_engages_a_lever_that_could_not_be_engaged() -> None:
    clock = MovingClock(NOW)
    chaos = flaky_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    start_experiment(services, HARMLESS)
    lever = chaos.lever
    assert isinstance(lever, UnreadableLever)
    # GIVEN a halt --all that halted everything but could not engage the lever
    lever.unreadable = True
    first = run_deferred(services, "chaos halt --all", user="root", channel="C-pay")
    assert first.title == "1 experiment halted by @root; the safety lever could not be engaged"
    assert "retry `sre chaos halt --all` to engage the lever" in first.text
    # WHEN the lever is back and the admin retries, as the answer told them
    lever.unreadable = False
    again = sent_again(services, "chaos halt --all", user="root", ref="ref-2")
    # THEN the lever is engaged now
    assert again.title == "Safety lever engaged by @root: 0 experiments halted", again
    assert lever.state(ORG).engaged
    # AND a third time there is nothing left to change
    third = sent_again(services, "chaos halt --all", user="root", ref="ref-3")
    assert third.title == "Nothing to change: the safety lever is already engaged by @root."
