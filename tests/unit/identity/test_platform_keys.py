"""Orgs and configured admins are keyed by platform: no Teams identity can equal a Slack one."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest
from botbuilder.schema import Activity

from bots.slack.normalize import from_button, from_slash_command
from bots.teams.normalize import from_activity
from shared.bootstrap.memory import for_memory
from shared.config import Settings
from shared.identity.admins import ConfiguredAdmin, configured_admins
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply
from tests.fixtures import load, text

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
AAD_USER = "29f3a4c8-5b6e-4d1f-9a2b-3c4d5e6f7a8b"


def test_the_platform_form_names_one_user_of_one_org() -> None:
    admins = configured_admins(["slack:T0123:U0456", f"teams:{TENANT}:{AAD_USER}", "local:alice"])
    assert admins == (
        ConfiguredAdmin(org=OrgId("slack:T0123"), user=UserId("U0456")),
        ConfiguredAdmin(org=OrgId(f"teams:{TENANT}"), user=UserId(AAD_USER)),
        ConfiguredAdmin(org=OrgId("local"), user=UserId("alice")),
    )


def test_old_entries_are_migrated_by_the_shape_of_their_org_and_bare_users_grant_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="autosre.identity"):
        admins = configured_admins(["T0123:U0456", f"{TENANT}:{AAD_USER}", "root", "acme:bob"])
    assert admins == (
        ConfiguredAdmin(org=OrgId("slack:T0123"), user=UserId("U0456")),
        ConfiguredAdmin(org=OrgId(f"teams:{TENANT}"), user=UserId(AAD_USER)),
    )
    assert "'T0123:U0456' read as 'slack:T0123:U0456'" in caplog.text
    assert "'root' grants nothing: write it as slack:T…:U…" in caplog.text
    assert "'acme:bob' grants nothing" in caplog.text


def test_an_entry_with_a_space_inside_grants_nothing_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN entries that would each match nobody (`slack:T0123 ` is no workspace)
    entries = ["slack:T0123 :U0456", "slack:T0123: U0456", "T0123 :U0456", " slack:T0123:U1 "]
    with caplog.at_level(logging.WARNING, logger="autosre.identity"):
        admins = configured_admins(entries)
    # THEN only the one with spaces around it is read, and the others are named in a warning
    assert admins == (ConfiguredAdmin(org=OrgId("slack:T0123"), user=UserId("U1")),)
    for entry in entries[:3]:
        assert f"{entry!r} grants nothing: it has a space inside" in caplog.text


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


def test_slack_payloads_name_the_workspace_or_the_grid_org_with_the_platform() -> None:
    fields = dict(parse_qsl(text("slack/slash_command_body.txt")))
    assert from_slash_command(fields).actor.org == "slack:T111"
    org_wide = {**fields, "is_enterprise_install": "true"}
    assert from_slash_command(org_wide).actor.org == "slack:E111"
    click = load("slack/block_actions_payload.json")
    assert from_button(click).actor.org == "slack:T111"


def test_a_teams_activity_names_its_tenant_with_the_platform() -> None:
    invocation = from_activity(Activity().deserialize(load("teams/message_activity.json")))
    assert invocation.actor.org == "teams:REDACTED"
    assert invocation.actor.user == "REDACTED"
