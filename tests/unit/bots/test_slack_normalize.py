"""Slack payloads to Invocations: each kind of text has its entities undone exactly once."""

from __future__ import annotations

import json

from bots.slack.normalize import from_answer, from_button, from_mention, from_slash_command


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
