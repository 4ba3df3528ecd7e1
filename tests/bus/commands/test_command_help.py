"""`sre help <topic> <command>`, as Slack shows it: that one command in detail (usage, reference,
examples, who may run it), and a mistyped command's help the help of the command it resembles."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.bootstrap.features import COMMANDS
from shared.bootstrap.wiring import Services
from shared.commands.usage import usage
from shared.replies import Reply, Tone
from tests.support import run


def _slack_text(reply: Reply) -> str:
    return "\n".join(str(block.get("text", "")) for block in blocks(reply))


def test_help_for_one_command_shows_its_usage_examples_and_who_may_run_it(
    services: Services,
) -> None:
    # WHEN someone asks for the help of one command
    reply = run(services, "help alert create")
    shown = _slack_text(reply)
    # THEN they see that command: its usage, its examples and the role it needs
    assert reply.tone is Tone.INFO
    assert reply.title == "sre alert create"
    assert "sre alert create NAME --service SERVICE" in shown
    assert 'e.g. sre alert create slow-checkout --service checkout-api --when "p99_latency' in shown
    assert "Who may run it: the operator role in the team acted for." in shown
    # AND no other command of its topic
    assert "sre alert list" not in shown


def test_every_command_has_its_own_help(services: Services) -> None:
    for model in COMMANDS.models:
        if len(model.words) < 2:
            continue  # a topic of one command (`sre whoami`): its topic's help is its help
        reply = run(services, f"help {model.phrase()}")
        assert reply.tone is Tone.INFO, (model.phrase(), reply)
        assert usage(model) in reply.text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("help alert creat", "sre help alert create"),
        ("help canary stat", "sre help canary status"),
        ("help team membr add", "sre help team member add"),
    ],
)
def test_help_for_a_mistyped_command_suggests_the_help_of_the_one_it_resembles(
    services: Services, typed: str, meant: str
) -> None:
    reply = run(services, typed)
    assert reply.tone is Tone.USAGE
    assert f"Did you mean `{meant}`?" in reply.title
    assert "sre help [TOPIC]" not in reply.text  # not the topic list
    # the usage of the command meant, alone (as a typo of the command itself gets it), not the
    # topic's every command
    (shown,) = reply.text.split("```")[1].strip().splitlines()
    assert shown.startswith(meant.replace("sre help ", "sre ") + " ")


@pytest.mark.parametrize(
    ("text", "verbs"),
    [
        ("help usage price", "`show` or `set`"),
        ("usage price -h", "`show` or `set`"),
        ("help service signal", "`set` or `reset`"),
    ],
)
def test_help_on_the_first_words_of_a_group_lists_the_group(
    services: Services, text: str, verbs: str
) -> None:
    # `usage` alone is `usage show`: `usage price` asked about is the price commands, not it
    reply = run(services, text)
    assert reply.title.endswith(f"needs one more word: {verbs}."), reply.title
    assert "usage show" not in reply.title + reply.text
