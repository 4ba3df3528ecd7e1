"""An investigation shown another day than it was opened dates its timeline (times of today
have none)."""

from __future__ import annotations

from datetime import timedelta

from shared.replies import Tone
from tests.support import NOW, MovingClock, investigate, run
from tests.support.deployments import alerting_services


def test_a_timeline_read_the_next_day_carries_its_dates() -> None:
    # GIVEN an investigation opened on Sunday 22 Nov at 09:30 UTC, commented on at once
    clock = MovingClock(NOW)
    services = alerting_services(clock)
    report = investigate(services, "investigate checkout-api")
    ident = dict(report.fields)["Investigation"].split()[0]
    comment = f"investigation comment {ident} 'rolled back v42'"
    assert run(services, comment, user="rey", channel="C-pay").tone is Tone.OK
    # WHEN it is shown the same day, then the next morning
    today = run(services, f"investigation show {ident}", user="vic", channel="C-pay")
    clock.at = NOW + timedelta(days=1)
    later = run(services, f"investigation show {ident}", user="vic", channel="C-pay")
    # THEN the same day it gives the times only, and the next day the dates too
    assert "09:30 @rey opened" in today.text, today.text
    assert "Sun 22 Nov 09:30 @rey comment: rolled back v42" in later.text, later.text
    # AND the findings, written for that day's reader, are dated for the next day's
    assert "since 08:" in dict(today.fields)["Findings"], today.fields
    assert "since Sun 22 Nov 08:" in dict(later.fields)["Findings"], later.fields
