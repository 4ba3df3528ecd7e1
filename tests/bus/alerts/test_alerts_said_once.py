"""Alerts and silences say each thing one way: the firing notice promises only what will happen,
a silence's time left is rounded the same in `alert list` and `silence list`, a second, shorter
silence changes nothing, matchers read as words, and a signal's value has one precision."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from bots.slack.render import message
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    notifier_of,
    records,
    run,
    run_deferred,
    run_scheduler,
)
from tests.support.deployments import alerting_services

S = 'alert create s --service checkout-api --when "error_rate > 0.1%"'


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


@pytest.fixture
def services(clock: MovingClock) -> Services:
    made = alerting_services(clock)
    assert run(made, S, user="oli", channel="C-pay").tone is Tone.OK
    return made


def slack(reply: Reply) -> str:
    """Everything Slack would show of `reply`."""
    return json.dumps(message(reply, {}), ensure_ascii=False)


def entries(services: Services) -> int:
    return len(records(services.audit_log, StreamKey(org=ORG, team="payments")))


def test_a_firing_notice_asking_for_an_investigation_promises_only_what_will_happen(
    clock: MovingClock,
) -> None:
    # GIVEN an alert that opens an investigation when it fires
    services = alerting_services(clock)
    text = 'alert create e --service checkout-api --when "p99_latency > 800ms" --investigate'
    assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN it fires
    run_scheduler(services, clock)
    ((_, notice),) = notifier_of(services).posted
    # THEN the notice says what is true whether an investigation is open or not
    shown = slack(notice)
    assert "requested; the report, or the open investigation it joins, follows in this thread" in (
        shown
    )
    assert "opening" not in shown


def test_alert_list_and_silence_list_say_the_time_left_the_same_way(
    services: Services, clock: MovingClock
) -> None:
    # GIVEN a silence of 2 days made 30 seconds into the minute
    clock.at = NOW + timedelta(seconds=30)
    assert run(services, "alert silence s --duration 2d", user="rey", channel="C-pay").tone is (
        Tone.OK
    )
    # WHEN both lists are read 70 seconds later (1 day 23h 58m 50s left)
    clock.at = NOW + timedelta(seconds=100)
    alerts = slack(run(services, "alert list", user="vic", channel="C-pay"))
    silences = slack(run(services, "silence list", user="vic", channel="C-pay"))
    # THEN both round it as people say it: two days
    assert "(2 days left)" in alerts, alerts
    assert "(2 days left)" in silences, silences
    assert "23h" not in alerts + silences


def test_a_shorter_silence_changes_nothing_and_a_longer_one_says_it_replaces_nothing(
    services: Services,
) -> None:
    # GIVEN s silenced for 1h30m, until 11:00
    first = run(services, "alert silence s x --duration 1h30m", user="rey", channel="C-pay")
    first_id = first.title.rsplit("(", 1)[1].rstrip(")")
    before = entries(services)
    # WHEN someone silences it for 1h
    again = run(services, "alert silence s", user="oli", channel="C-pay")
    # THEN nothing changes, they are told until when it is silenced and by which, nothing audited
    assert again.tone is Tone.INFO and again.receipt is None
    assert again.title == f"Nothing to change: s is already silenced until 11:00 UTC ({first_id})."
    assert entries(services) == before
    assert len(run(services, "silence list", user="vic", channel="C-pay").fields) == 1
    # AND a longer one is made, saying the first stays as it is
    longer = run(services, "alert silence s --duration 2h", user="oli", channel="C-pay")
    assert longer.title.startswith("s silenced for 2h, until 11:30 UTC")
    assert f"It replaces nothing: {first_id} (until 11:00 UTC) stays as it is." in slack(longer)


def test_silences_read_as_words_and_one_without_a_comment_says_so(services: Services) -> None:
    # GIVEN a silence given no comment, then ended
    made = run(services, "alert silence s --duration 1h", user="rey", channel="C-pay")
    id_ = made.title.rsplit("(", 1)[1].rstrip(")")
    # WHEN the silences are listed, while active
    active = slack(run(services, "silence list", user="vic", channel="C-pay"))
    # THEN it says which alert in words, and that it has no comment
    assert "active · alert s · until 10:30 UTC (1h left) by @rey (no comment)" in active, active
    assert "alert=" not in active and "silenced from chat" not in active
    # AND an unknown id names it the same way
    assert run(services, f"silence expire {id_}", user="rey", channel="C-pay").tone is Tone.OK
    missing = slack(run(services, "silence expire sil-3a218b", user="rey", channel="C-pay"))
    assert f"{id_} (alert s, ended 09:30 UTC)" in missing, missing


def test_the_firing_notice_and_alert_test_say_the_value_alike(
    services: Services, clock: MovingClock
) -> None:
    # GIVEN s fires
    run_scheduler(services, clock)
    ((_, notice),) = notifier_of(services).posted
    # WHEN it is tested in the same minute
    tested = run_deferred(services, "alert test s", user="vic", channel="C-pay")
    # THEN both say the same value, with three significant digits
    told = re.search(r"now (\d+\.\d+%)", slack(notice))
    said = re.search(r"Error rate now (\d+\.\d+%)", slack(tested))
    assert told and said, (slack(notice), slack(tested))
    assert told.group(1) == said.group(1)
    assert re.fullmatch(r"\d\.\d\d%", told.group(1)), told.group(1)
