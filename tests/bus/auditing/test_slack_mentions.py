"""The people and channels audit replies name, as Slack shows them: mentions with names."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.adapters.memory import FixedClock
from shared.bootstrap.wiring import Services
from tests.support import ask
from tests.support.deployments import (
    SLACK_ALICE,
    SLACK_AUDITOR,
    SLACK_CHANNEL,
    SLACK_ROOT,
    slack_id_services,
)


@pytest.fixture
def slack_ids(clock: FixedClock) -> Services:
    return slack_id_services(clock)


def _slack(services: Services, text: str) -> str:
    return str(blocks(ask(services, text, user=SLACK_AUDITOR)))


def test_the_access_review_names_people_and_channels_as_slack_mentions(
    slack_ids: Services,
) -> None:
    shown = _slack(slack_ids, "audit access-review")
    assert f"<@{SLACK_ALICE}> · admin: since" in shown
    assert f"by <@{SLACK_ROOT}>, demo#" in shown
    assert f"<#{SLACK_CHANNEL}> → demo: bound" in shown
    assert f"@{SLACK_ALICE} ·" not in shown.replace(f"<@{SLACK_ALICE}>", "")


def test_the_audit_entries_name_who_acted_as_a_mention(slack_ids: Services) -> None:
    shown = _slack(slack_ids, "audit show --team demo")
    assert f"<@{SLACK_ROOT}> `sre team bind {SLACK_CHANNEL} --team=demo` → succeeded" in shown
