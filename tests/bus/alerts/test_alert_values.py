"""An alert's options use the kernel's value types: its durations the one duration grammar (in
seconds to hours), its channel the one channel reference, each refused with the form to write."""

from __future__ import annotations

import pytest

from shared.replies import Tone
from tests.support import NOW, MovingClock, run
from tests.support.deployments import alerting_services

SLOW = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("--keep-firing-for 1d", "`1d` is not a duration: write 30s, 5m or 2h"),
        ("--keep-firing-for soon", "`soon` is not a duration: write 30s, 5m or 2h"),
        ("--channel 'C pay'", "channel"),
    ],
)
def test_an_alert_option_that_is_not_its_value_type_is_refused_with_the_form(
    option: str, said: str
) -> None:
    services = alerting_services(MovingClock(NOW))
    refused = run(services, f"{SLOW} {option}", user="oli", channel="C-pay")
    assert refused.tone is Tone.USAGE, refused
    assert said in refused.title + refused.text
    assert run(services, "alert list", user="oli", channel="C-pay").title.endswith("no alerts yet")


def test_an_alert_duration_in_seconds_to_hours_is_kept_as_typed() -> None:
    services = alerting_services(MovingClock(NOW))
    created = run(services, f"{SLOW} --keep-firing-for 90s", user="oli", channel="C-pay")
    assert created.tone is Tone.OK, created
    shown = run(services, "alert show slow", user="oli", channel="C-pay")
    assert "keep firing for 0:01:30" in shown.text
    silenced = run(services, "alert silence slow --duration 2h", user="rey", channel="C-pay")
    assert silenced.title.startswith("slow silenced until 11:30 UTC"), silenced
