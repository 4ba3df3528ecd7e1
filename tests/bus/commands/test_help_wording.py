"""Help and empty lists as Slack shows them: a topic's help is titled by its topic, examples name
people as they are typed (`@alice`), and an empty list reads the same in every feature."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.bootstrap.wiring import Services
from shared.replies import Reply
from tests.support import run, setup_teams


def _slack_text(reply: Reply) -> str:
    return "\n".join(str(block.get("text", "")) for block in blocks(reply))


@pytest.mark.parametrize(
    ("typed", "title"), [("team", "Team commands"), ("alert", "Alert commands")]
)
def test_a_topic_alone_is_titled_by_its_topic(services: Services, typed: str, title: str) -> None:
    # WHEN someone types only a noun, or asks for its help
    for text in (typed, f"help {typed}"):
        reply = run(services, text)
        # THEN the answer is titled by the topic, not as the whole help
        assert reply.title == title
        assert title in _slack_text(reply)
    assert run(services, "help").title == "Auto SRE commands"


def test_help_examples_name_people_as_they_are_typed(services: Services) -> None:
    shown = run(services, "help team").text + run(services, "help org").text
    assert "sre team member add @alice --role responder" in shown
    assert "sre org grant @alice auditor" in shown
    assert "U024BE7LH" not in shown


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("canary list", "Team payments has no canaries yet"),
        ("alert list", "Team payments has no alerts yet"),
        ("silence list", "Team payments has no silences yet"),
    ],
)
def test_an_empty_list_reads_the_same_in_every_feature(
    services: Services, typed: str, said: str
) -> None:
    # GIVEN team payments, with nothing of its own yet
    setup_teams(services)
    # WHEN its empty lists are asked for in its channel
    reply = run(services, typed, user="vic", channel="C-pay")
    # THEN each says so in one form
    assert reply.title == said, reply
    assert said in _slack_text(reply)
