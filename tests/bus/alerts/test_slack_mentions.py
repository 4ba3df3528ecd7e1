"""An alert's channel, as Slack shows it: a channel mention."""

from __future__ import annotations

from bots.slack.render import blocks
from shared.adapters.memory import FixedClock
from shared.bootstrap.wiring import Services
from tests.support import run
from tests.support.deployments import SLACK_ALICE, SLACK_CHANNEL, SLACK_ROOT, slack_id_services


def test_an_alert_names_the_channel_it_posts_to_as_a_mention(clock: FixedClock) -> None:
    # GIVEN team demo's admin registers a service and an alert posting to the team's channel
    services = slack_id_services(clock)
    for text in (
        "service register web --sample checkout --team demo",
        f'alert create e --service web --when "error_rate > 2%" --channel {SLACK_CHANNEL} '
        "--team demo",
    ):
        assert not run(services, text, user=SLACK_ALICE).failed, text
    # WHEN it is shown in Slack
    shown = str(blocks(run(services, "alert show e --team demo", user=SLACK_ALICE)))
    # THEN the channel is a mention Slack shows with its name
    assert f"Posts to <#{SLACK_CHANNEL}>" in shown


def test_who_acknowledged_and_who_silenced_an_alert_are_mentions(clock: FixedClock) -> None:
    # GIVEN team demo's alert fired, then its admin acknowledged and silenced it
    services = _acknowledged(clock)
    assert not run(services, "alert silence e load test --team demo", user=SLACK_ALICE).failed
    # WHEN the alert is listed and shown in Slack
    for text in ("alert list --team demo", "alert show e --team demo"):
        shown = str(blocks(run(services, text, user=SLACK_ALICE)))
        # THEN both people are mentions Slack shows with their name, never raw ids
        assert f"acknowledged by <@{SLACK_ALICE}>" in shown, text
        assert f"by <@{SLACK_ALICE}>: load test" in shown, text
        assert f"@{SLACK_ALICE}" not in shown.replace(f"<@{SLACK_ALICE}>", ""), text


def test_a_second_acknowledgement_mentions_who_is_on_it(clock: FixedClock) -> None:
    # GIVEN team demo's alert fired and its admin acknowledged it
    services = _acknowledged(clock)
    # WHEN she acknowledges it again, THEN Slack shows who already is on it by name
    again = str(blocks(run(services, "alert ack e --team demo", user=SLACK_ALICE)))
    assert f"already acknowledged by <@{SLACK_ALICE}>" in again


def _acknowledged(clock: FixedClock) -> Services:
    """Slack org T1 where team demo's alert e on web fired and its admin alice acknowledged it."""
    services = slack_id_services(clock)
    for text in (
        "service register web --sample checkout --team demo",
        'alert create e --service web --when "p99_latency > 800ms" --team demo',
    ):
        assert not run(services, text, user=SLACK_ALICE).failed, text
    assert not run(services, "scheduler run-once", user=SLACK_ROOT).failed
    assert not run(services, "alert ack e --team demo", user=SLACK_ALICE).failed
    return services
