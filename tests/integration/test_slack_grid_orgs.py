"""Which org a Slack request acts for under Enterprise Grid, through bolt and the AWS handler: a
slash command and a mention from one person are one identity, with one set of roles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers import aws_runtime, aws_slack
from tests.fakes.http_capture import CaptureServer
from tests.support.handlers import post_slack, slash
from tests.support.payloads import app_mention_body, signed_headers

GRID = {"team_id": "T5", "enterprise_id": "E222", "is_enterprise_install": "true"}
"""A slash command's fields from workspace T5 of Grid org E222, the app installed org-wide."""


def _mentioned(slack_api: CaptureServer, text: str, event_id: str, **where: Any) -> str:
    """`@Auto SRE <text>`, signed as the Events API sends it from `where` (see
    `app_mention_body`); the blocks of the reply posted in its thread."""
    body = app_mention_body(text, event_id, **where)
    response = post_slack(body, signed_headers(body, content_type="application/json"))
    assert response["statusCode"] == 200, response
    *_, posted = slack_api.calls("chat.postMessage")
    return json.dumps(posted.body["blocks"])


@pytest.fixture
def grid_admin(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """W111 configured as org admin of Grid org E222 (AUTOSRE_ORG_ADMINS), fresh caches."""
    monkeypatch.setenv("AUTOSRE_ORG_ADMINS", "slack:E222:W111")
    for cached in (aws_runtime.settings, aws_runtime.services, aws_slack.slack):
        cached.cache_clear()


def test_under_an_org_wide_install_a_mention_and_a_slash_command_are_one_identity(
    grid_admin: None, slack_api: CaptureServer
) -> None:
    # GIVEN W111, org admin of Grid org E222 where the app is installed org-wide
    # WHEN W111 types `/sre whoami` in workspace T5, then `@Auto SRE whoami` there
    typed = json.dumps(slash("whoami", user_id="W111", **GRID)["blocks"])
    mentioned = _mentioned(slack_api, "whoami", "Ev-grid-1", team="T5", grid="E222", org_wide=True)
    # THEN both answer for the Grid org, with its org-admin role
    for answer in (typed, mentioned):
        assert "org slack:E222" in answer, answer
        assert "org-admin" in answer, answer


def test_a_team_made_by_mention_under_an_org_wide_install_is_the_slash_commands_team(
    grid_admin: None, slack_api: CaptureServer
) -> None:
    # WHEN W111 creates a team by mention
    made = _mentioned(
        slack_api, "team create payments", "Ev-grid-2", team="T5", grid="E222", org_wide=True
    )
    assert "Team payments created" in made, made
    # THEN `/sre team list` from another workspace of the org lists it: one org, one trail
    listed = slash("team list", user_id="W111", **{**GRID, "team_id": "T6"})
    assert "payments" in json.dumps(listed["blocks"])


def test_a_mention_where_the_app_is_installed_in_the_workspace_acts_for_the_workspace(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN the app installed in workspace T111 only (W111 its configured org admin)
    # WHEN W111 mentions it, in a workspace of a Grid org or not
    alone = _mentioned(slack_api, "whoami", "Ev-ws-1", team="T111")
    in_grid = _mentioned(slack_api, "whoami", "Ev-ws-2", team="T111", grid="E111")
    # THEN it answers for the workspace
    for answer in (alone, in_grid):
        assert "org slack:T111" in answer, answer
        assert "org-admin" in answer, answer
