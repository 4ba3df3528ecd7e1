"""Orgs and configured admins are keyed by platform: no Teams identity can equal a Slack one."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

import pytest
from botbuilder.schema import Activity

from bots.msteams.normalize import from_activity
from bots.slack.normalize import from_button, from_slash_command
from shared.identity.admins import ConfiguredAdmin, configured_admins
from shared.identity.models import OrgId, UserId
from tests.support.payloads import load, text

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
