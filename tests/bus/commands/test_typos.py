"""A mistyped command, as Slack shows the answer: the one command it resembles and its usage,
never the whole help; a topic alone lists its commands; a hidden alias is never suggested."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bots.slack.render import blocks
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from tests.support import run

ROOT = Path(__file__).resolve().parents[3]


def _slack_text(reply: Reply) -> str:
    return "\n".join(block["text"]["text"] for block in blocks(reply) if "text" in block)


@pytest.mark.parametrize(
    ("typed", "meant", "usage"),
    [
        ("investigat web", "sre investigate web", "sre investigation open SERVICE"),
        ("team membr add U024BE7LH", "sre team member add U024BE7LH", "sre team member add USER"),
        ("alrt list", "sre alert list", "sre alert list"),
        ("investigation cmment inv-3f9c2a hi", "sre investigation comment inv-3f9c2a hi", ""),
        # the alias `usage` (usage show) matched first: "I did not expect `price sho`"
        ("usage price sho", "sre usage price show", "sre usage price show"),
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


@pytest.mark.parametrize(
    ("typed", "meant", "usage"),
    [
        (
            "team member role operator --role responder",
            "sre team role set operator responder",
            "sre team role set USER",
        ),
        ("team member rol oli --role admin", "sre team member add oli --role admin", "add USER"),
    ],
)
def test_a_typo_with_options_is_pointed_at_a_command_taking_them_never_a_removal(
    services: Services, typed: str, meant: str, usage: str
) -> None:
    # WHEN a mistyped command is closest in letters to `team member remove` (which takes no
    # --role, and removes the member)
    reply = run(services, typed)
    shown = _slack_text(reply)
    # THEN the suggestion is a command that takes what was typed, with its usage
    assert reply.tone is Tone.USAGE
    assert f"Did you mean `{meant}`?" in reply.title
    assert usage in reply.text
    # AND never the removal
    assert "remove" not in shown


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("team member remve oli", "sre team member remove oli"),
        ("team unbnd", "sre team unbind"),
        ("alert delte checkout-5xx", "sre alert delete checkout-5xx"),
    ],
)
def test_a_removal_is_suggested_only_for_its_own_verb_mistyped(
    services: Services, typed: str, meant: str
) -> None:
    reply = run(services, typed)
    assert f"Did you mean `{meant}`?" in reply.title


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


@pytest.mark.parametrize("typed", ["analyze", "analyze anomalies", "serve"])
def test_a_terminal_command_named_in_chat_shows_its_own_usage(
    services: Services, typed: str
) -> None:
    # WHEN a terminal-only command is named where the bus answers (Slack, or `sre analyze`)
    reply = run(services, typed)
    shown = _slack_text(reply)
    # THEN its own usage and purpose, not a guess at another command
    noun = typed.split()[0]
    assert f"sre {noun}" in shown
    assert "(terminal only)" in shown
    assert "Did you mean" not in reply.title + shown
    assert "sre canary" not in shown


def test_every_topic_list_names_the_same_topics_and_the_bot_by_its_teams_name(
    services: Services,
) -> None:
    # GIVEN the bot's name in the Teams manifest
    manifest = json.loads((ROOT / "infra" / "teams" / "manifest.json").read_text())
    # WHEN help is asked for in full, and for a topic that does not exist
    full = _slack_text(run(services, "help"))
    unknown = run(services, "help nosuch")
    # THEN both list the same topics, the terminal's included
    listed = full.rsplit("topics: ", 1)[1].rstrip(".")
    assert unknown.tone is Tone.USAGE
    assert f"topics: {listed}" in unknown.text
    assert {"serve", "analyze"} <= set(listed.split(", "))
    # AND Teams users are told to mention the bot by the name Teams shows
    assert f"in Teams: @{manifest['name']['short']} …" in full


@pytest.mark.parametrize(
    ("typed", "quoted"),
    [
        ("alert silenc e", "`alert silenc` is not a command."),
        ("canary rollbak can-35d2dc14", "`canary rollbak` is not a command."),
        ("team member rmove U024BE7LH", "`team member rmove` is not a command."),
        ("investigat web", "`investigat` is not a command."),
    ],
)
def test_a_typo_quotes_the_command_words_typed_never_the_arguments(
    services: Services, typed: str, quoted: str
) -> None:
    # WHEN a command is mistyped with its arguments, in Slack
    said = _slack_text(run(services, typed))
    # THEN the answer quotes the words typed as the command, and the arguments only in the
    # suggestion
    assert quoted in said, said


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("canary stat can-35d2dc14", "sre canary status can-35d2dc14"),  # not `canary start`
        ("canary st can-35d2dc14", "sre canary status can-35d2dc14"),  # start or status: a read
        ("team member ad U024BE7LH", "sre team member add U024BE7LH"),
    ],
)
def test_a_word_cut_short_is_taken_for_the_command_it_begins_and_a_read_when_it_begins_two(
    services: Services, typed: str, meant: str
) -> None:
    # WHEN a command's word is typed cut short, closer in letters to another command's word
    reply = run(services, typed)
    # THEN the suggestion is the command it begins; begun by a change and a read, the read
    assert reply.tone is Tone.USAGE
    assert f"Did you mean `{meant}`?" in reply.title


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("canary abort can-1a2b", "sre canary rollback can-1a2b"),  # not `canary start`
        ("chaos stop exp-1a2b", "sre chaos halt exp-1a2b"),
        ("investigation close inv-3f9c2a", "sre investigation resolve inv-3f9c2a"),
        ("canary show can-1a2b", "sre canary status can-1a2b"),
        ("investigation status inv-3f9c2a", "sre investigation show inv-3f9c2a"),
    ],
)
def test_a_verb_people_reach_for_gets_the_command_it_means_not_the_nearest_spelling(
    services: Services, typed: str, meant: str
) -> None:
    reply = run(services, typed)
    assert reply.tone is Tone.USAGE
    assert f"Did you mean `{meant}`?" in reply.title


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        # another noun's command, by its own id (the name typed is not carried over)
        ("alert unsilence p99-high", "`sre silence expire`"),
        ("alert mute p99-high", "`sre alert silence`"),
    ],
)
def test_undoing_a_silence_is_pointed_at_silence_expire_not_at_its_opposite(
    services: Services, typed: str, meant: str
) -> None:
    reply = run(services, typed)
    assert reply.tone is Tone.USAGE
    assert f"Did you mean {meant}?" in reply.title  # it was `sre alert silence p99-high`


def test_an_un_verb_is_never_answered_with_the_verb_it_undoes(services: Services) -> None:
    reply = run(services, "canary unpromote can-1a2b")
    assert reply.tone is Tone.USAGE
    assert "promote" not in reply.title.replace("unpromote", "")


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("investigate --help", "sre investigation open"),
        ("alert create -h", "sre alert create"),
        ("canary --help", "Canary commands"),
    ],
)
def test_help_asked_as_on_any_command_line_is_that_commands_help(
    services: Services, typed: str, title: str
) -> None:
    reply = run(services, typed)
    assert reply.tone is Tone.INFO, reply.title
    assert title in reply.title


def test_a_long_suggestion_is_shown_whole_to_copy_and_run(services: Services) -> None:
    typed = (
        "alert creat slow-checkout-p99-latency-page --service checkout-api --when 'error_rate > 2%'"
    )
    reply = run(services, typed)
    assert reply.tone is Tone.USAGE
    meant = (
        "sre alert create slow-checkout-p99-latency-page --service checkout-api "
        "--when 'error_rate > 2%'"
    )
    assert f"Did you mean `{meant}`?" in reply.title, reply.title


def test_a_name_with_a_look_alike_letter_says_which_letter_is_not_plain(
    services: Services,
) -> None:
    reply = run(services, "team create p\u0430yments")  # a Cyrillic a
    assert reply.tone is Tone.USAGE
    assert "(its `\u0430` is U+0430 CYRILLIC SMALL LETTER A, not a plain letter)" in reply.title


def test_a_choice_typed_in_another_case_is_the_choice(services: Services) -> None:
    # as the command's words are (`TEAM LIST`): `--role Responder` is the responder role
    run(services, "team create payments")
    added = run(services, "team member add bob --role Responder --team payments")
    assert added.title == "@bob added to payments as responder", added.title


def test_an_unknown_option_far_from_any_is_answered_with_the_commands_options(
    services: Services,
) -> None:
    # `--since` is no typo of `--service`: the options are listed, none guessed
    reply = run(services, 'investigation list --since "2d ago"')
    assert reply.title == (
        "`sre investigation list` has no option `--since`. Its options: `--status`, "
        "`--service`, `--limit`, `--team`."
    ), reply.title
    # AND an option begun, or typed one letter off, is still guessed
    assert "Did you mean `--window`?" in run(services, "investigate checkout-api --win 1h").title
