"""Free text (descriptions, comments, notes, silence comments) as it reaches the state and the
channel: no characters that forge lines or reorder what a reader sees, no invisible ones, no
secrets; and what a person typed is repeated back short and visible."""

from __future__ import annotations

import pytest

from shared.bootstrap.wiring import Services
from shared.replies import Tone
from tests.support import ORG, run, setup_teams

REFUSED = [
    ("\u202e", "U+202E"),  # right-to-left override ("Trojan Source")
    ("\u2066", "U+2066"),  # left-to-right isolate
    ("\u2028", "U+2028"),  # line separator
    ("\u2029", "U+2029"),  # paragraph separator
    ("\u0085", "U+0085"),  # next line, a C1 control
    ("\u009b", "U+009B"),  # control sequence introducer, a C1 control
    ("\x7f", "U+007F"),  # delete
]


@pytest.mark.parametrize(("character", "named"), REFUSED)
def test_a_description_with_a_control_or_bidi_character_is_refused_and_nothing_stored(
    services: Services, character: str, named: str
) -> None:
    # WHEN an org admin creates a team whose description hides a reordering or line-breaking mark
    reply = run(services, f'team create payments --description "Pay{character}ments team"')
    # THEN it is a usage error naming the character, and no team exists
    assert reply.tone is Tone.USAGE
    assert named in reply.title
    assert character not in reply.title + reply.text
    assert services.directory.get_team(ORG, "payments") is None


def test_zero_width_characters_are_dropped_before_the_text_is_stored_or_shown(
    services: Services,
) -> None:
    typed = "Pay\u200bments\u200d plat\u2060form\ufeff"
    reply = run(services, f'team create payments --description "{typed}"')
    assert reply.tone is Tone.OK
    team = services.directory.get_team(ORG, "payments")
    assert team is not None
    assert team.description == "Payments platform"
    shown = run(services, "team show payments")
    assert "Payments platform" in shown.text + str(shown.fields)


@pytest.mark.parametrize("blank", ["\u3164", "\u2800\u2800", "\u115f\u034f", "\uffa0"])
def test_a_text_of_characters_that_print_as_nothing_is_empty(
    services: Services, blank: str
) -> None:
    # WHEN a description is only Hangul fillers, blank Braille or a combining grapheme joiner
    reply = run(services, f'team create payments --description "ok{blank}"')
    # THEN they are dropped as zero-width characters are (before: stored, an empty-looking text)
    assert reply.tone is Tone.OK, reply
    team = services.directory.get_team(ORG, "payments")
    assert team is not None and team.description == "ok"


def test_a_silence_comment_and_an_investigation_comment_are_checked_the_same_way(
    services: Services,
) -> None:
    # free text is checked when the command is read, before anything is looked up or stored
    silenced = run(services, 'alert silence slow --comment "load\u202etest"')
    assert silenced.tone is Tone.USAGE
    assert "U+202E" in silenced.title
    commented = run(services, 'investigation comment inv-abc123 "see\u2029this"')
    assert commented.tone is Tone.USAGE
    assert "U+2029" in commented.title


def test_an_unknown_word_is_repeated_short_and_with_hidden_characters_visible(
    services: Services,
) -> None:
    reply = run(services, "deploy\u202e" + "x" * 500)
    assert reply.tone is Tone.USAGE
    assert "\u202e" not in reply.title
    assert "\\u202e" in reply.title
    assert len(reply.title) < 200


@pytest.mark.parametrize("typed", ["\u202emoc.elpmaxe", "pay\x00ments"])
def test_a_value_a_check_repeats_shows_its_hidden_characters(
    services: Services, typed: str
) -> None:
    # WHEN a name that is refused holds a right-to-left override or a NUL
    reply = run(services, f"team create {typed}")
    # THEN the refusal repeats it with those characters written out: it cannot reorder the reply
    assert reply.tone is Tone.USAGE
    assert "is not a valid name" in reply.title
    assert not any(ch in reply.title for ch in "\u202e\x00")
    assert "\\u202e" in reply.title or "\\u0000" in reply.title


def test_a_megabyte_command_gets_a_short_usage_error(services: Services) -> None:
    reply = run(services, "team create " + "a" * 1_000_000)
    assert reply.tone is Tone.USAGE
    assert "the most I read is 4,000" in reply.title
    assert len(reply.title) + len(reply.text) < 300


def test_an_error_never_repeats_a_secret_it_was_typed_with(services: Services) -> None:
    reply = run(services, "deploy --password hunter2 now")
    assert reply.tone is Tone.USAGE
    assert "hunter2" not in reply.title + reply.text
    assert reply.title == "`deploy` is not a command."  # the command words, never arguments


@pytest.mark.parametrize(
    "command",
    [
        "service show {secret}",
        "alert show {secret}",
        "alert delete {secret}",
        "service remove {secret}",
        "investigation show {secret}",
    ],
)
@pytest.mark.parametrize(
    "secret", ["ghp_abcdefghijklmnopqrstuvwxyz0123456789", "sk_live_abcdefghijklmnop12345678"]
)
def test_a_not_found_masks_a_secret_typed_as_a_name(
    services: Services, command: str, secret: str
) -> None:
    setup_teams(services)
    reply = run(services, command.format(secret=secret), user="oli", channel="C-pay")
    # before, the name was repeated whole: "Team payments has no service `ghp_abc…`"
    assert reply.failed
    assert secret not in reply.title + reply.text, reply
    assert "***" in reply.title + reply.text, reply


def test_a_name_ending_in_a_newline_is_refused_not_a_second_team(services: Services) -> None:
    # GIVEN team payments exists
    assert run(services, "team create payments").tone is Tone.OK
    # WHEN a look-alike is created with a newline after its name (Shift-Enter inside quotes)
    reply = run(services, 'team create "payments\n"')
    # THEN it is refused, its newline written out (before: a second team that read `payments`,
    # whose admin could be anyone, and `--team "payments\n"` acted on it)
    assert reply.tone is Tone.USAGE, reply
    assert "`payments\\u000a` is not a valid name" in reply.title
    assert "\n" not in reply.title


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('alert create a --service checkout-api --when "xoxb-123456789-abcdefgh > 2%"', "abcdefgh"),
        ("alert silence a --duration password=hunter2", "hunter2"),
        ("chaos start checkout-api --fault token=ghp_" + "a" * 36, "aaaa"),
    ],
    ids=["a token as a condition", "a password as a duration", "a token as a fault"],
)
def test_a_refusal_masks_a_short_secret_it_repeats(
    services: Services, text: str, secret: str
) -> None:
    # WHEN a value a check refuses holds a secret (and is short: before, only values of more
    # than 60 characters were masked)
    reply = run(services, text)
    # THEN the refusal repeats it masked, its quotes whole
    assert reply.tone is Tone.USAGE, reply
    assert secret not in reply.title + reply.text, reply
    assert "***`" in reply.title or "*** > 2%`" in reply.title, reply.title
