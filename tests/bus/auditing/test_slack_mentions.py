"""The people and channels audit replies name, as Slack shows them: mentions with names."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.adapters.memory import FixedClock
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from tests.support import ask, run

ROOT, ALICE, AUDITOR, CHANNEL = "U0ROOT", "U0ALICE", "U0AUDIT", "C0DEMO"


@pytest.fixture
def slack_ids(clock: FixedClock) -> Services:
    """Team demo in a workspace whose people and channel have Slack ids: admin U0ALICE, added
    by org admin U0ROOT, and channel C0DEMO bound to it; U0AUDIT audits."""
    services = for_memory(Settings(org_admins=(f"slack:T1:{ROOT}",)), clock=clock)
    for text in (
        "team create demo",
        f"team member add {ALICE} --role admin --team demo",
        f"team bind {CHANNEL} --team demo",
        f"org grant {AUDITOR} auditor",
    ):
        assert not run(services, text, user=ROOT).failed, text
    return services


def _slack(services: Services, text: str) -> str:
    return str(blocks(ask(services, text, user=AUDITOR)))


def test_the_access_review_names_people_and_channels_as_slack_mentions(
    slack_ids: Services,
) -> None:
    shown = _slack(slack_ids, "audit access-review")
    assert f"<@{ALICE}> · admin: since" in shown
    assert f"by <@{ROOT}>, demo #" in shown
    assert f"<#{CHANNEL}> → demo: bound" in shown
    assert f"@{ALICE} ·" not in shown.replace(f"<@{ALICE}>", "")


def test_the_audit_entries_name_who_acted_as_a_mention(slack_ids: Services) -> None:
    shown = _slack(slack_ids, "audit show --team demo")
    assert f"<@{ROOT}> `sre team bind {CHANNEL} --team=demo` → succeeded" in shown
