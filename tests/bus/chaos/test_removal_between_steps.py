"""A step's fault that cannot be removed when the experiment advances: the next step's fault is
neither recorded nor injected, the experiment fails and rolls back, and what people read names
the share still injected, in words (the injector's own error stays in the log and journal)."""

from __future__ import annotations

import json

from bots.slack.render import blocks
from shared.chaos.models import ExperimentOutcome
from tests.support import NOW, ORG, MovingClock, channel_messages, notifier_of
from tests.support.chaos import (
    JammedInjector,
    chaos_services,
    jammed_chaos,
    start_experiment,
    ticks,
)

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


def test_a_step_whose_fault_cannot_be_removed_never_injects_the_next() -> None:
    clock = MovingClock(NOW)
    chaos = jammed_chaos(clock)
    assert isinstance(chaos.injector, JammedInjector)
    chaos.injector.jammed = False
    services = chaos_services(clock, chaos=chaos)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 9)
    # WHEN the 1% step held and its removal fails as the experiment advances to 5%
    chaos.injector.jammed = True
    ticks(services, clock, 2)
    # THEN the 5% step's fault is neither recorded nor injected: only the 1% one is
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.outcome is ExperimentOutcome.FAILED
    assert [i.percent for i in stored.injections] == [1]
    # AND its history says in words which step's fault is still on, without the raw error
    message = notifier_of(services).updated[-1][1]
    assert (
        "the 1% step's fault could not be removed (the simulation throttled the request); "
        "retrying every minute"
    ) in message.text
    assert "ThrottlingException" not in json.dumps(blocks(message))
    # AND the loud alarm names the 1% share, which is the one still injected
    alarms = [m for _, m in channel_messages(services) if m.title.endswith("still injected")]
    assert alarms and "still injected into 1% of checkout-api" in alarms[-1].text
    assert "5%" not in alarms[-1].text
