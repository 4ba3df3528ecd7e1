"""Slack payloads to Invocations: each kind of text has its entities undone exactly once."""

from __future__ import annotations

import json

from bots.slack.normalize import from_answer, from_button, from_mention, from_slash_command
from tests.support.payloads import app_mention_body


def test_a_modal_answer_has_its_entities_undone_once_not_twice() -> None:
    # GIVEN a modal answered with text that spells an entity twice over (`&amp;lt;`)
    body = {
        "type": "view_submission",
        "team": {"id": "T111"},
        "user": {"id": "U111", "username": "rey"},
        "view": {
            "id": "V0MODAL",
            "hash": "1.a",
            "private_metadata": json.dumps({"command": "sre investigation comment abc123"}),
            "state": {"values": {"answer": {"answer": {"value": "see &amp;lt;b&amp;gt; R&amp;D"}}}},
        },
    }
    # WHEN it becomes an invocation
    invocation = from_answer(body)
    # THEN the text is what was typed: `&lt;` stays `&lt;`, it does not become `<`
    assert "see &lt;b&gt; R&D" in invocation.text
    assert "<" not in invocation.text


def test_a_slash_command_without_markup_is_kept_as_typed_and_with_it_made_plain() -> None:
    command = {"team_id": "T111", "user_id": "U111", "channel_id": "C111", "text": "team list"}
    assert from_slash_command(command).text == "team list"
    marked = {**command, "text": "team member add <@U222|bo> --team a&amp;b"}
    assert from_slash_command(marked).text == "team member add @U222 --team a&b"


def test_a_mention_is_made_plain_once() -> None:
    body = {
        "team_id": "T111",
        "event_id": "Ev1",
        "event": {
            "type": "app_mention",
            "user": "U111",
            "channel": "C111",
            "ts": "1.1",
            "text": "<@U0BOT> team member add <@U222> --team a&amp;amp;b",
        },
    }
    assert from_mention(body).text == "team member add @U222 --team a&amp;b"


def test_a_button_is_made_plain_once() -> None:
    body = {
        "team": {"id": "T111"},
        "user": {"id": "U111", "username": "rey"},
        "channel": {"id": "C111"},
        "trigger_id": "1.1.a",
        "actions": [{"action_id": "sre:0", "value": "team create a&amp;amp;b", "action_ts": "1"}],
    }
    assert from_button(body).text == "team create a&amp;b"


def test_under_an_org_wide_grid_install_a_mention_acts_for_the_org_as_a_slash_command_does() -> (
    None
):
    # GIVEN W111 in workspace T5 of Grid org E222, the app installed org-wide
    command = {
        "team_id": "T5",
        "enterprise_id": "E222",
        "is_enterprise_install": "true",
        "user_id": "W111",
        "text": "whoami",
    }
    mention = json.loads(app_mention_body("whoami", "Ev1", team="T5", grid="E222", org_wide=True))
    # WHEN W111 types `/sre whoami`, then `@Auto SRE whoami` (which says org-wide only in
    # `authorizations[0]`)
    typed, mentioned = from_slash_command(command), from_mention(mention)
    # THEN both act for the Grid org, as one identity
    assert typed.actor.org == mentioned.actor.org == "slack:E222"
    assert typed.actor == mentioned.actor


def test_a_mention_where_the_app_is_installed_in_the_workspace_keys_by_the_workspace() -> None:
    alone = json.loads(app_mention_body("whoami", "Ev1", team="T111"))
    in_grid = json.loads(app_mention_body("whoami", "Ev2", team="T5", grid="E222"))
    assert from_mention(alone).actor.org == "slack:T111"
    assert from_mention(in_grid).actor.org == "slack:T5"


def test_a_modal_answered_under_an_org_wide_install_acts_for_the_org() -> None:
    # GIVEN an org-wide install: Slack sends `team: null`, the workspace in `user.team_id`
    body = {
        "type": "view_submission",
        "team": None,
        "enterprise": {"id": "E222", "name": "Grid"},
        "is_enterprise_install": True,
        "user": {"id": "W111", "team_id": "T5"},
        "view": {
            "id": "V0MODAL",
            "team_id": "T5",
            "private_metadata": json.dumps({"command": "sre team create"}),
            "state": {"values": {"answer": {"answer": {"value": "search"}}}},
        },
    }
    assert from_answer(body).actor.org == "slack:E222"
    workspace = {**body, "team": {"id": "T5"}, "is_enterprise_install": False}
    assert from_answer(workspace).actor.org == "slack:T5"
