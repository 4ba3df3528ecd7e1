"""An alert's channel, as Slack shows it: a channel mention."""

from __future__ import annotations

from bots.slack.render import blocks
from shared.adapters.memory import FixedClock
from tests.support import run
from tests.support.deployments import SLACK_ALICE, SLACK_CHANNEL, slack_id_services


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
