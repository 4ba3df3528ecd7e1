"""An alert's options use the kernel's value types: its durations the one duration grammar (in
any unit, up to 90d), its channel the one channel reference, each refused with the form to
write."""

from __future__ import annotations

import pytest

from shared.replies import Tone
from tests.support import NOW, MovingClock, run
from tests.support.deployments import alerting_services

SLOW = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'
FORMS = "write it like 30m, 2h, 1h30m or 2d"


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("--keep-firing-for 91d", "`91d` is too long for --keep-firing-for: at most 90d"),
        ("--keep-firing-for 10000h", "at most 90d"),
        ("--keep-firing-for soon", FORMS),
        ("--escalate-after 1w --escalate-to platform", FORMS),
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


def test_an_alert_duration_in_any_unit_is_kept_as_typed() -> None:
    services = alerting_services(MovingClock(NOW))
    created = run(services, f"{SLOW} --keep-firing-for 90s", user="oli", channel="C-pay")
    assert created.tone is Tone.OK, created
    shown = run(services, "alert show slow", user="oli", channel="C-pay")
    assert "keep firing for 1m 30s" in shown.text
    silenced = run(services, "alert silence slow --duration 2h", user="rey", channel="C-pay")
    assert silenced.title.startswith("slow silenced for 2h, until 11:30 UTC"), silenced


def test_an_alert_duration_in_days_is_read_as_its_length() -> None:
    services = alerting_services(MovingClock(NOW))
    created = run(services, f"{SLOW} --keep-firing-for 1d", user="oli", channel="C-pay")
    assert created.tone is Tone.OK, created
    assert (
        "keep firing for 1 day"
        in run(services, "alert show slow", user="oli", channel="C-pay").text
    )
    silenced = run(services, "alert silence slow --duration 1d", user="rey", channel="C-pay")
    assert silenced.tone is Tone.OK, silenced
    listed = run(services, "silence list", user="rey", channel="C-pay")
    assert "active · alert slow · until Mon 23 Nov 09:30 UTC (1 day left)" in listed.fields[0][1]


def test_a_condition_held_for_days_is_kept_and_one_past_the_limit_refused() -> None:
    services = alerting_services(MovingClock(NOW))
    held = 'alert create daily --service checkout-api --when "error_rate > 2% for 1d"'
    assert run(services, held, user="oli", channel="C-pay").tone is Tone.OK
    shown = run(services, "alert show daily", user="oli", channel="C-pay")
    assert "error_rate > 2% for 1d" in shown.title + shown.text
    too_long = 'alert create never --service checkout-api --when "error_rate > 2% for 91d"'
    refused = run(services, too_long, user="oli", channel="C-pay")
    assert refused.tone is Tone.USAGE
    assert "`for 91d` is too long: at most 90d" in refused.title + refused.text


@pytest.mark.parametrize(
    ("when", "noted"),
    [
        ("error_rate > 0.02", "Note: the error rate is in percent: `0.02` is 0.02%, not 2%"),
        ("error_rate >= 0.025", "(write `error_rate >= 2.5%` for that)"),
        ("error_rate > 0.5%", None),
        ("error_rate > 2", None),
        ("p99_latency > 0.5s", None),
    ],
)
def test_an_error_rate_threshold_written_like_a_ratio_is_said_to_be_percent(
    when: str, noted: str | None
) -> None:
    services = alerting_services(MovingClock(NOW))
    made = run(
        services,
        f'alert create e --service checkout-api --when "{when}"',
        user="oli",
        channel="C-pay",
    )
    assert made.tone is Tone.OK, made
    if noted is None:
        assert "is in percent" not in made.text
    else:
        assert noted in made.text, made.text


@pytest.mark.parametrize(
    "condition",
    ["traffic < 1234567", "p99_latency > 1234.5678ms", "error_rate > 2.345678%"],
)
def test_a_threshold_is_shown_as_typed_not_rounded(condition: str) -> None:
    services = alerting_services(MovingClock(NOW))
    made = run(
        services,
        f'alert create exact --service checkout-api --when "{condition}"',
        user="oli",
        channel="C-pay",
    )
    # before: `traffic < 1.23457e+06`, `p99_latency > 1234.57ms`: not the value judged
    assert f"`{condition}`" in made.text, made
    shown = run(services, "alert show exact", user="oli", channel="C-pay")
    assert f"`{condition}`" in shown.text, shown
