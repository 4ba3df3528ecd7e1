"""What chat clients do to typed text, and how it becomes words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.bootstrap.features import COMMANDS
from shared.commands.grammar import (
    _TYPED_APOSTROPHE,
    _kept,
    _split,
    joined,
    normalize,
    quote,
    tokenize,
)
from shared.errors import InvalidCommandError


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("team create payments", ["team", "create", "payments"]),
        ("/sre team list", ["team", "list"]),
        ("sre whoami", ["whoami"]),
        (
            "team create x --description \u201cPayments platform\u201d",
            ["team", "create", "x", "--description", "Payments platform"],
        ),
        (
            "team create x --description \u2018it\u2019s ours\u2019",
            ["team", "create", "x", "--description", "it\u2019s ours"],
        ),
        ("team bind \u2014team payments", ["team", "bind", "--team", "payments"]),
        ("team\u00a0list", ["team", "list"]),
        ("", []),
    ],
)
def test_chat_typography_becomes_plain_words(typed: str, words: list[str]) -> None:
    # GIVEN text as Slack, Teams or macOS autocorrect deliver it
    # WHEN it is tokenized
    # THEN the words are what the person meant to type
    assert tokenize(typed) == words


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("tried C:\\temp\\x", ["tried", "C:\\temp\\x"]),
        ("grep \\d+ then \\", ["grep", "\\d+", "then", "\\"]),
        ('"a \\ b" c\\', ["a \\ b", "c\\"]),
        ("tried it \u2014 no luck", ["tried", "it", "\u2014", "no", "luck"]),
        ("down 21:00\u201322:00", ["down", "21:00\u201322:00"]),
        ("pages\u2014all of them", ["pages\u2014all", "of", "them"]),
    ],
)
def test_free_text_keeps_its_backslashes_and_dashes_as_typed(typed: str, words: list[str]) -> None:
    # GIVEN a comment with a backslash or a dash in prose (before: `C:tempx`, `--`, `21:00--22:00`)
    # THEN each word is as typed; a dash that begins a word of letters is still a typed `--`
    assert tokenize(f"investigation comment inv-1 {typed}")[3:] == words


def test_an_apostrophe_in_an_unquoted_word_is_not_a_quote() -> None:
    assert tokenize("team create x --description don\u2019t") == [
        "team",
        "create",
        "x",
        "--description",
        "don\u2019t",
    ]


def test_an_unclosed_quote_is_a_usage_error_not_a_crash() -> None:
    with pytest.raises(InvalidCommandError, match='the " in `"oops` opens a quote'):
        tokenize('team create x --description "oops')


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ('the 5" screen', 'the " in `5"` opens a quote that nothing closes'),
        ("'pass=hunter2 now", "the ' in `'pass=***` opens a quote that nothing closes"),
        ('"\u202eevil', 'a " opens a quote that nothing closes'),
        ('"' + "x" * 50, 'a " opens a quote that nothing closes'),
    ],
)
def test_an_unclosed_quote_is_named_in_its_word_and_how_to_write_it_said(
    typed: str, said: str
) -> None:
    # GIVEN a comment with one double quote (before: "No closing quotation (check your quotes)")
    with pytest.raises(InvalidCommandError) as refused:
        tokenize(f"investigation comment inv-1 {typed}")
    # THEN the quote is named in its word (a secret masked; a hidden character or a long word
    # not repeated), and the usage says how to write text that holds one
    assert str(refused.value) == f"I could not read that command: {said}."
    assert """goes in the other kind: '5" screen'""" in (refused.value.usage or "")


def test_normalize_keeps_ordinary_text() -> None:
    assert normalize("p99 > 800ms for 5m") == "p99 > 800ms for 5m"


def test_a_typed_apostrophe_inside_a_word_is_part_of_it_not_a_quote() -> None:
    # GIVEN text as typed on a keyboard that sends a plain apostrophe (most desktops)
    # THEN it stays in its word; quotes still group words
    assert tokenize("investigation comment inv-1 don't redeploy, it's v7") == [
        "investigation",
        "comment",
        "inv-1",
        "don't",
        "redeploy,",
        "it's",
        "v7",
    ]
    assert tokenize("team create x --description 'ours, not theirs'")[-1] == "ours, not theirs"


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("rolled back the users' sessions", ["users'", "sessions"]),
        ("the pods' restarts, again", ["pods'", "restarts,"]),
        ("back to the '90s", ["the", "'90s"]),
    ],
)
def test_an_apostrophe_at_a_words_edge_is_typed_not_an_open_quote(
    typed: str, words: list[str]
) -> None:
    # GIVEN a comment with an apostrophe at a word's edge and no quote closing it
    # THEN it is read as typed (before: "No closing quotation (check your quotes)")
    said = tokenize(f"investigation comment inv-1 {typed}")
    assert " ".join(said[3:]) == typed
    assert all(word in said for word in words), said
    # AND a quotation still groups words, and one left open is still refused
    assert tokenize("team create x --description 'ours, not theirs'")[-1] == "ours, not theirs"
    with pytest.raises(InvalidCommandError):
        tokenize("investigation comment inv-1 'unclosed words")


def test_a_typed_private_use_character_is_kept_as_typed() -> None:
    # GIVEN a comment holding U+E000 (a private-use character: an icon font's glyph), once alone
    # and once beside an apostrophe between letters, THEN each is read back as typed (before,
    # U+E000 stood in for those apostrophes, so `\ue000` came back as `'`)
    assert tokenize("investigation comment inv-1 \ue000")[-1] == "\ue000"
    assert tokenize("investigation comment inv-1 don't \ue000\ue001")[-2:] == [
        "don't",
        "\ue000\ue001",
    ]


@pytest.mark.parametrize(
    "value",
    ["it's ours", 'say "hi"', 'it\'s "quoted" and \\ back', "plain", "a 'b' c", "--x"],
)
def test_quote_gives_back_what_tokenize_reads(value: str) -> None:
    assert tokenize(f"team create x --description {quote(value)}")[-1] == value


def test_quote_writes_an_apostrophe_as_people_do() -> None:
    assert quote("it's ours") == '"it\'s ours"'


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=" \t\r\n\x0b\x0c\x1c\x1f\x85\u2028\u00a0\u2003\u2019\u201c\ue000#-=;|&()ab'\"\\",
        max_size=16,
    )
)
def test_a_line_split_without_shlex_gives_shlex_s_words(typed: str) -> None:
    # GIVEN any line (quotes, backslashes, shell's and Unicode's spaces, apostrophes)
    normal = normalize(typed, apostrophes=False)
    stand_in = _kept(normal)
    kept = _TYPED_APOSTROPHE.sub(stand_in, normal)
    try:
        expected = [word.replace(stand_in, "'") for word in _split(kept, stand_in)]
    except ValueError:  # an unclosed quote: a usage error, and never the fast path
        with pytest.raises(InvalidCommandError):
            tokenize(typed)
        return
    if expected and expected[0].lower() in {"sre", "/sre"}:
        expected = expected[1:]
    # THEN the words are shlex's, whether or not the line needed shlex
    assert tokenize(typed) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet="ab \t'\"\\\u2018\u2019\u201c\u201d\u2014-\u00a0\ue000#", max_size=8),
        min_size=1,
        max_size=4,
    ).filter(lambda words: normalize(words[0]).lower() not in {"sre", "/sre"})
)
def test_a_terminals_words_joined_are_read_back_word_for_word(words: list[str]) -> None:
    # GIVEN a terminal's arguments, already split by its shell (curly quotes, dashes, spaces)
    # THEN the line made of them is read back as those words, typography as chat's (before:
    # a word in curly single quotes lost them, read as quotes once the line was split again)
    assert tokenize(joined(words)) == [normalize(word) for word in words]


@pytest.mark.parametrize(
    ("typed", "said", "suggested"),
    [
        ("team member", "`team member` needs one more word: `add`, `remove` or `list`.", "list"),
        ("usage price", "`usage price` needs one more word: `show` or `set`.", "show"),
    ],
)
def test_a_two_word_noun_without_its_verb_lists_its_commands(
    typed: str, said: str, suggested: str
) -> None:
    # WHEN a noun of two words is typed with no verb
    with pytest.raises(InvalidCommandError) as refused:
        COMMANDS.parse(typed)
    # THEN its commands are listed, and the one suggested changes nothing (it was `team member
    # add`, a change, against the rule that a guess is the harmless one)
    assert str(refused.value) == said
    assert refused.value.suggestion == f"sre {typed} {suggested}"
    assert len(refused.value.usage.splitlines()) == said.count("`") // 2 - 1
