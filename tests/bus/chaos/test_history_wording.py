"""The history lines of an experiment's message, as Slack renders them: each verb said once,
a person named for what they did (the scheduler never), an advance saying the share that held,
a deviation naming only what deviated, and times dated and in UTC when read another day."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from bots.slack.render import blocks
from shared.replies import Reply
from tests.support import NOW, MovingClock, notifier_of, run, run_deferred
from tests.support.chaos import chaos_services, start_experiment, ticks

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
TIGHT = 'checkout-api --fault delay:100ms --expect "p99_latency < 450ms"'
"""The same fault against a bound it breaks: 100 ms more on a p99 near 380 ms."""


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def slack(reply: Reply) -> str:
    """The reply's text as Slack shows it."""
    return json.dumps(blocks(reply), ensure_ascii=False)


def test_a_halt_says_who_halted_once(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    shown = slack(notifier_of(services).updated[-1][1])
    assert "09:30 UTC 1% halted by @rey\\n" in shown
    assert "halted by @rey: halted by @rey" not in shown
    assert "09:30 UTC 1% rolled back by @rey: every injection removed and verified" in shown
    assert "@scheduler" not in shown


def test_the_safety_lever_is_said_as_what_halted(clock: MovingClock) -> None:
    services = chaos_services(clock)
    start_experiment(services, HARMLESS)
    run_deferred(services, "chaos halt --all", user="root", channel="C-pay")
    shown = slack(notifier_of(services).updated[-1][1])
    assert "09:30 UTC 1% halted: safety lever engaged by @root" in shown


def test_an_advance_says_the_share_that_held_and_a_deviation_only_what_deviated(
    clock: MovingClock,
) -> None:
    services = chaos_services(clock)
    start_experiment(services, HARMLESS)
    ticks(services, clock, 12)
    shown = slack(notifier_of(services).updated[-1][1])
    assert "09:41 UTC 1% → 5%: held at 1%: p99 latency " in shown
    assert "unfaulted and 3" in shown and "within `p99_latency &lt; 2s`)" in shown  # Slack-escaped
    assert "CI" not in shown and "→ High" not in shown
    assert "advanced" not in shown and "held: " not in shown
    ticks(services, clock, 29)  # it ends held
    later = start_experiment(services, TIGHT)
    ticks(services, clock, 10)
    (message,) = [r for _, r in notifier_of(services).updated if later in r.title][-1:]
    shown = slack(message)
    line = next(x for x in message.text.splitlines() if " deviated" in x)
    assert re.search(
        r" 1% deviated: p99 latency [\d,]+ ms on the faulted share vs [\d,]+ ms unfaulted and "
        r"3\d\d ms before the start \(.*breaks `p99_latency < 450ms`\)$",
        line,
    ), line
    assert "by @scheduler" not in shown and "deviated: deviated" not in shown
    assert "not enough data" not in line


def test_history_read_another_day_carries_dates_in_utc(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    clock.at += timedelta(days=2)
    status = run(services, f"chaos status {experiment}", user="vic", channel="C-pay")
    assert "Sun 22 Nov 09:30 UTC 1% halted by @rey" in slack(status)
