"""A team's alerts post only to channels bound to that team."""

from __future__ import annotations

import pytest

from shared.adapters.memory import InMemoryAlertStore
from shared.bootstrap.wiring import Services
from shared.identity.models import OrgId
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, notifier_of, run, run_scheduler
from tests.support.deployments import alerting_services

SLOW = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def test_an_alert_cannot_point_at_another_teams_channel(clock: MovingClock) -> None:
    services = alerting_services(clock)  # C-pay is bound to payments, C-search to search
    refused = run(services, f"{SLOW} --channel C-search", user="oli", channel="C-pay")
    assert refused.tone is Tone.DENIED
    assert "Channel #C-search is bound to another team" in refused.text  # not named to outsiders
    assert "team payments's alerts post only to its own channels" in refused.text
    assert run(services, "alert list", user="oli", channel="C-pay").title.endswith("no alerts yet")


def test_an_alert_on_a_channel_no_team_has_bound_is_refused_naming_the_teams_own(
    clock: MovingClock,
) -> None:
    # GIVEN payments, whose one channel is C-pay; the product knows channels by their bindings
    services = alerting_services(clock)
    # WHEN an operator points a new alert, then an existing one, at a channel nobody bound
    refused = run(services, f"{SLOW} --channel #C-random", user="oli", channel="C-pay")
    assert run(services, SLOW, user="oli", channel="C-pay").tone is Tone.OK
    edit = run(services, "alert edit slow --channel C-ranodm", user="oli", channel="C-pay")
    # THEN both are refused as unknown (not as a lack of rights), naming the team's channels
    assert refused.tone is Tone.ERROR and refused.title == "Not found"
    assert "I do not know channel #C-random: no team has bound it" in refused.text
    assert "(its channels: #C-pay)" in refused.text
    assert "`sre team bind C-random --team payments`" in refused.text
    assert edit.tone is Tone.ERROR and "I do not know channel #C-ranodm" in edit.text
    shown = run(services, "alert show slow", user="oli", channel="C-pay")
    assert "Posts to the team's channel" in shown.text


def test_an_edit_cannot_move_an_alert_into_another_teams_channel(clock: MovingClock) -> None:
    services = alerting_services(clock)
    assert run(services, f"{SLOW} --channel C-pay", user="oli", channel="C-pay").tone is Tone.OK
    edit = "alert edit slow --channel C-search"
    refused = run(services, edit, user="oli", channel="C-pay")
    assert refused.tone is Tone.DENIED
    shown = run(services, "alert show slow", user="oli", channel="C-pay")
    assert "Posts to #C-pay" in shown.text


def test_a_policy_whose_channel_is_not_the_teams_posts_to_the_teams_own(clock: MovingClock) -> None:
    # GIVEN a policy stored before channels were checked, pointing at search's channel
    store = InMemoryAlertStore()
    services: Services = alerting_services(clock, store)
    assert run(services, SLOW, user="oli", channel="C-pay").tone is Tone.OK
    policy = store.get(OrgId(ORG), "payments", "slow")
    assert policy is not None
    store.save(policy.model_copy(update={"channel": "C-search"}))
    # WHEN it fires
    run_scheduler(services, clock)
    # THEN only payments' channel is told
    assert [t.channel for t, _ in notifier_of(services).posted] == ["C-pay"]
