"""The experiment's one Slack message, read any day after its last update: each history line
carries its own date and time, not only the lines of another day than the last update's."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from bots.slack.render import blocks
from tests.support import NOW, MovingClock, notifier_of, run_deferred
from tests.support.chaos import chaos_services, start_experiment, ticks

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
DATED = re.compile(r"^(Sun 22|Mon 23) Nov \d\d:\d\d UTC ")


def test_each_line_of_a_message_updated_after_midnight_carries_its_own_date() -> None:
    clock = MovingClock(NOW.replace(hour=23, minute=50))
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    # WHEN its first step ends after midnight and it is halted, its message updated in place
    ticks(services, clock, 11)
    run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    message = notifier_of(services).updated[-1][1]
    lines = message.text.splitlines()
    # THEN every line says its own day, those of the last update's day too
    assert lines and all(DATED.match(line) for line in lines), lines
    assert any(line.startswith("Sun 22 Nov 23:5") for line in lines), lines
    assert any(re.match(r"Mon 23 Nov 00:01 UTC 1% → 5%: held at 1%", x) for x in lines), lines
    assert re.search(r"Mon 23 Nov 00:01 UTC 5% halted by @rey", message.text), lines
    # AND Slack shows them so
    assert "Mon 23 Nov 00:01 UTC 1% → 5%" in json.dumps(blocks(message), ensure_ascii=False)


def test_a_status_read_the_same_day_keeps_its_times_short() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    clock.at += timedelta(minutes=5)
    status = run_deferred(services, f"chaos status {experiment}", user="vic", channel="C-pay")
    assert "09:30 UTC 1% halted by @rey" in status.text
    assert "Nov 09:30" not in status.text
