"""A mistyped command, as Slack shows the answer: the one command it resembles and its usage,
never the whole help; a topic alone lists its commands; a hidden alias is never suggested."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from tests.support import run


def _slack_text(reply: Reply) -> str:
    return "\n".join(block["text"]["text"] for block in blocks(reply) if "text" in block)


@pytest.mark.parametrize(
    ("typed", "meant", "usage"),
    [
        ("investigat web", "sre investigate web", "sre investigation open SERVICE"),
        ("team membr add U024BE7LH", "sre team member add U024BE7LH", "sre team member add USER"),
        ("alrt list", "sre alert list", "sre alert list"),
        ("investigation cmment inv-3f9c2a hi", "sre investigation comment inv-3f9c2a hi", ""),
    ],
)
def test_a_typo_gets_the_one_command_it_resembles_and_its_usage(
    services: Services, typed: str, meant: str, usage: str
) -> None:
    # WHEN a command is mistyped in Slack
    reply = run(services, typed)
    # THEN the answer suggests the command meant (ids as typed) with that command's usage
    shown = _slack_text(reply)
    assert reply.tone is Tone.USAGE
    assert f"Did you mean `{meant}`?" in reply.title
    assert usage in reply.text
    # AND not the whole help: a few lines, no other topic's commands
    assert len(reply.text.splitlines()) <= 4, reply.text
    assert "Usage: sre <noun>" not in shown
    assert "sre audit verify" not in shown


def test_a_word_like_no_command_lists_the_topics_in_one_line(services: Services) -> None:
    reply = run(services, "deploy checkout-api")
    assert reply.tone is Tone.USAGE
    assert "is not a command" in reply.title
    assert "topics: help, whoami, team" in reply.text
    assert len(reply.text.splitlines()) <= 4


def test_a_topic_alone_shows_its_commands(services: Services) -> None:
    # WHEN someone types only a noun
    reply = run(services, "team")
    # THEN they see the team commands, as `sre help team` shows them, and nothing else
    assert reply.tone is Tone.INFO
    assert reply.text == run(services, "help team").text
    assert "sre team member add USER" in reply.text
    assert "sre alert create" not in reply.text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("alert acknowledg slow", "sre alert ack slow"),  # not `alert acknowledge`
        ("tem ls", "sre team list"),  # not `team ls`
        ("team lst", "sre team list"),
    ],
)
def test_a_hidden_alias_works_but_is_never_suggested(
    services: Services, typed: str, meant: str
) -> None:
    reply = run(services, typed)
    assert reply.tone is Tone.USAGE
    assert f"Did you mean `{meant}`?" in reply.title
    assert run(services, "team ls").tone is Tone.INFO  # the alias itself still works
