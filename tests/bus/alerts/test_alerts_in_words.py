"""Alerts as people read them in Slack (the real Block Kit renderer): `alert list` and `alert
show` with acknowledgements, silences (until when, by whom, why) and durations as `5m` or
`2 days`; a silence's reply says how long and until which day; `alert test` explains M of N in
words, gives the signal's value with its unit and a chart."""

from __future__ import annotations

import json

import pytest

from bots.slack.render import message
from shared.replies import Reply, Tone
from tests.support import NOW, MovingClock, notifier_of, run, run_deferred, run_scheduler
from tests.support.deployments import alerting_services

ERRORS = 'alert create errors --service checkout-api --when "error_rate > 2% 3 of 5"'
SLOW = (
    'alert create slow --service checkout-api --when "p99_latency > 800ms for 5m" '
    "--keep-firing-for 5m --escalate-after 15m --escalate-to search"
)


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def slack(reply: Reply) -> str:
    """Everything Slack would show of `reply` (its inline images uploaded as file F1…)."""
    files = {image.name: f"F{i}" for i, image in enumerate(reply.images, 1)}
    return json.dumps(message(reply, files), ensure_ascii=False)


def test_a_long_silence_says_for_how_long_and_until_which_day(clock: MovingClock) -> None:
    # GIVEN an alert on Sunday 22 Nov at 09:30 UTC
    services = alerting_services(clock)
    assert run(services, ERRORS, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN a responder silences it for 2h, then another for 48h
    short = run(services, "alert silence errors --duration 2h", user="rey", channel="C-pay")
    long = run(services, "alert silence errors --duration 48h", user="rey", channel="C-pay")
    # THEN the first says two days and names the day it ends; the second, today, the time only
    assert "errors silenced for 2 days, until Tue 24 Nov 09:30 UTC" in slack(long)
    assert "errors silenced for 2h, until 11:30 UTC" in slack(short)
    assert "0:00" not in slack(long) + slack(short)


def test_alert_list_and_show_tell_acknowledgement_silence_and_durations(
    clock: MovingClock,
) -> None:
    # GIVEN an alert firing since 09:30, acknowledged by rey, silenced for 2 days for a load test
    services = alerting_services(clock)
    assert run(services, SLOW, user="oli", channel="C-pay").tone is Tone.OK
    run_scheduler(services, clock)
    run_scheduler(services, clock, minutes=5)
    assert run(services, "alert ack slow", user="rey", channel="C-pay").tone is Tone.OK
    silence = "alert silence slow --duration 2d --comment 'load test'"
    assert run(services, silence, user="rey", channel="C-pay").tone is Tone.OK
    # WHEN a viewer lists the alerts and shows this one, the next morning
    clock.at = clock.at.replace(day=23, hour=8)
    listed = slack(run(services, "alert list", user="vic", channel="C-pay"))
    shown = slack(run(services, "alert show slow", user="vic", channel="C-pay"))
    # THEN both say since when it fires (a day ago: with its date), who acknowledged it, and
    # the silence: until when (with its date), how long is left, by whom and why
    for said in (listed, shown):
        assert "firing since Sun 22 Nov 09:35 UTC, acknowledged by" in said, said
        assert "rey" in said.split("acknowledged by", 1)[1]
        assert "until Tue 24 Nov 09:35 UTC (1 day 1h left) by" in said, said
        assert "load test" in said
    # AND show gives its durations as people write them, never `0:05:00`
    assert "keep firing for 5m" in shown
    assert "if unacknowledged after 15m" in shown
    assert "0:05:00" not in shown and "0:15:00" not in shown


def test_alert_test_explains_m_of_n_with_the_value_in_its_unit_and_a_chart(
    clock: MovingClock,
) -> None:
    # GIVEN the sample's checkout-api, its error rate well above 2% for the last half hour
    services = alerting_services(clock)
    assert run(services, ERRORS, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN a viewer tests the alert
    tested = run_deferred(services, "alert test errors", user="vic", channel="C-pay")
    said = slack(tested)
    # THEN the reply says in words how many of the last points breach, and what it takes
    assert "5 of the last 5 points breach `error_rate &gt; 2%` (it takes 3 of 5)" in said, said
    assert "the condition holds" in said
    # AND the error rate now, in percent (not a bare number, not the detector's score)
    assert "Error rate now 3." in said and "%." in said.split("Error rate now", 1)[1][:12]
    assert "score" not in said
    # AND a chart goes with it, shown in the message as an image of its uploaded file
    (image,) = tested.images
    assert image.png().startswith(b"\x89PNG")
    assert '"type": "image", "slack_file": {"id": "F1"}' in said
    assert "errors on checkout-api: error rate (%), last 1h" in said


def test_alert_test_of_an_anomaly_condition_explains_the_score_beside_the_value(
    clock: MovingClock,
) -> None:
    services = alerting_services(clock)
    odd = 'alert create odd --service checkout-api --when "error_rate anomalous"'
    assert run(services, odd, user="oli", channel="C-pay").tone is Tone.OK
    said = slack(run_deferred(services, "alert test odd", user="vic", channel="C-pay"))
    assert "Error rate now " in said
    assert "the detector scores it 0." in said
    assert "0.99 or more counts as anomalous" in said


def test_an_escalation_after_midnight_dates_when_the_page_fired(clock: MovingClock) -> None:
    # GIVEN a page that fires at 23:55 UTC and nobody acknowledges
    services = alerting_services(clock)
    page = (
        'alert create slow --service checkout-api --when "p99_latency > 800ms" '
        "--escalate-after 15m --escalate-to search"
    )
    assert run(services, page, user="oli", channel="C-pay").tone is Tone.OK
    clock.at = NOW.replace(hour=23, minute=55)
    assert dict(run_scheduler(services, clock).fields)["Fired"] == "slow"
    # WHEN it escalates 15 minutes later, on Monday
    escalated = run_scheduler(services, clock, minutes=15)
    assert dict(escalated.fields)["Escalated"] == "slow"
    (_, notice) = notifier_of(services).posted[-1]
    said = slack(notice)
    # THEN the notice says how long in the duration's words, and the day the page fired
    assert "is unacknowledged after 15m" in said, said
    assert "since Sun 22 Nov 23:55 UTC" in said, said


def test_silence_list_says_when_each_ends_or_ended(clock: MovingClock) -> None:
    # GIVEN a silence of 1h that was expired at once and one for 2 days
    services = alerting_services(clock)
    assert run(services, ERRORS, user="oli", channel="C-pay").tone is Tone.OK
    short = run(services, "alert silence errors --duration 1h", user="rey", channel="C-pay")
    short_id = short.title.rsplit("(", 1)[1].rstrip(")")
    assert run(services, f"silence expire {short_id}", user="rey", channel="C-pay").tone is Tone.OK
    run(
        services,
        "alert silence errors --duration 2d --comment 'load test'",
        user="rey",
        channel="C-pay",
    )
    # WHEN the list is read the next day
    clock.at = NOW.replace(day=23, hour=8)
    said = slack(run(services, "silence list", user="vic", channel="C-pay"))
    # THEN the active one says until which day and how long is left; the other when it ended
    assert "active · alert errors · until Tue 24 Nov 09:30 UTC (1 day 1h left) by" in said
    assert "expired · alert errors · ended Sun 22 Nov 09:30 UTC by @rey · made by @rey" in said
    # AND one that ran its course names only who made it
    clock.at = NOW.replace(day=25)
    later = slack(run(services, "silence list", user="vic", channel="C-pay"))
    assert "expired · alert errors · ended Tue 24 Nov 09:30 UTC · made by @rey: load test" in later
