"""Configured admins keyed by platform, through the bus: a Slack admin setting makes no Teams
tenant's user admin."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.bootstrap.memory import for_memory
from shared.config import Settings
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply


def _asks(services_bus: object, platform: Platform, org: str, user: str, command: str) -> Reply:
    invocation = Invocation(
        actor=Actor(platform=platform, org=OrgId(org), user=UserId(user)),
        channel="C1",
        text=command,
        correlation_id="ref-1",
        received_at=datetime(2026, 11, 22, tzinfo=UTC),
        reply_to=ReplyTarget(platform=platform, channel="C1"),
    )
    reply: Reply = services_bus.handle(invocation)  # type: ignore[attr-defined]
    return reply


def test_an_old_slack_admin_setting_does_not_make_a_teams_tenant_of_the_same_name_admin() -> None:
    # GIVEN an old-style setting naming the Slack workspace T1's user root
    services = for_memory(Settings(org_admins=("T1:root",)))
    # WHEN a Teams tenant called "T1" with a user "root" tries to create a team
    denied = _asks(services.bus, Platform.TEAMS, "teams:T1", "root", "team create stolen")
    # THEN it is denied, while the Slack admin the setting meant may
    assert denied.failed and "needs the org-admin role" in denied.title + denied.text
    created = _asks(services.bus, Platform.SLACK, "slack:T1", "root", "team create payments")
    assert created.title == "Team payments created"
