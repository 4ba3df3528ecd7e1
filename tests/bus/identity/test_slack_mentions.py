"""Team replies, and refusals, name people and channels as Slack mentions."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.adapters.memory import FixedClock
from shared.bootstrap.wiring import Services
from tests.support import run
from tests.support.deployments import SLACK_ALICE, SLACK_CHANNEL, SLACK_ROOT, slack_id_services


@pytest.fixture
def slack_ids(clock: FixedClock) -> Services:
    return slack_id_services(clock)


def _slack(services: Services, text: str) -> str:
    return str(blocks(run(services, text, user=SLACK_ROOT)))


def test_a_team_shows_its_members_creator_and_channels_as_mentions(slack_ids: Services) -> None:
    shown = _slack(slack_ids, "team show demo")
    assert f"<@{SLACK_ALICE}> · admin" in shown
    assert f"UTC by <@{SLACK_ROOT}>" in shown
    assert f"<#{SLACK_CHANNEL}>" in shown


def test_a_refusal_names_the_person_and_the_channel_as_mentions(slack_ids: Services) -> None:
    # WHEN someone who is not a member is removed, and a bound channel is bound to another team
    missing = _slack(slack_ids, "team member remove U0NOBODY --team demo")
    assert not run(slack_ids, "team create ops", user=SLACK_ROOT).failed
    taken = _slack(slack_ids, f"team bind {SLACK_CHANNEL} --team ops")
    # THEN the refusals mention them, as the successes do
    assert "<@U0NOBODY> is not a member of demo." in missing
    assert f"<#{SLACK_CHANNEL}> is bound to team demo" in taken


def test_nothing_to_change_names_the_person_and_the_channel_as_mentions(
    slack_ids: Services,
) -> None:
    # WHEN a channel is bound again to its team, and alice is given the role she has
    again = _slack(slack_ids, f"team bind {SLACK_CHANNEL} --team demo")
    same = _slack(slack_ids, f"team role set {SLACK_ALICE} admin --team demo")
    # THEN the answers say nothing changed, mentioning them
    assert f"Nothing to change: <#{SLACK_CHANNEL}> is already bound to team demo." in again
    assert f"Nothing to change: <@{SLACK_ALICE}> is already admin in demo." in same
