"""Turn what a chat client sends into words: normalise its typography, then split like a shell."""

from __future__ import annotations

import re
import shlex

from shared.audit.redaction import redact
from shared.errors import InvalidCommandError

_TYPOGRAPHY = str.maketrans(
    {
        "\u201c": '"',  # left double quotation mark
        "\u201d": '"',  # right double quotation mark
        "\u201e": '"',  # double low-9 quotation mark
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark
        "\u201a": "'",
        "\u201b": "'",
        "\u00a0": " ",  # no-break space
        "\u202f": " ",
        "\u2007": " ",
    }
)
_OPTION_DASH = re.compile(r"(?:(?<=\s)|^)[\u2013\u2014](?=[A-Za-z])")
"""An em or en dash that begins a word of letters: a typed `--` a chat client or macOS made one
(`\u2014team payments`). Any other dash is prose (`tried it \u2014 no luck`, `21:00\u201322:00`)
and stays as typed."""


COMMAND_MAX = 4000
"""The longest command line read. The grammar needs less (free text is at most 3,000
characters); Slack's own advice for a message is at most 4,000. Longer text is refused before any
work, so a megabyte pasted after `/sre` costs nothing and is not echoed back."""

_APOSTROPHE = re.compile(r"(?<=\w)\u2019(?=\w)")
_TYPED_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_QUOTING = re.compile(r"[\"']")
"""What makes shlex do more than split at whitespace: a quote (a backslash is a character like
any other: `_shell_words`)."""
_SHELL_SPACE = re.compile(r"[ \t\r\n]+")
"""shlex's whitespace (not every Unicode space: `normalize` maps the ones chat clients insert)."""
_PRIVATE_USE = range(0xE000, 0xF900)
"""Characters no text means anything by: one the line does not hold stands in for its apostrophes
between letters (`don't`) while it is split (unquoted text is written as people write, so such
an apostrophe is not the start of a quotation); a line holds at most COMMAND_MAX of them."""


def _kept(text: str) -> str:
    """A stand-in for apostrophes that `text` does not hold (a typed U+E000 stays itself): one
    pass over the text, however many private-use characters it holds."""
    held = set(text)
    return next(ch for ch in map(chr, _PRIVATE_USE) if ch not in held)


_SPACES = re.compile(r"[\u1680\u2000-\u200a\u205f\u3000]")
"""The other spaces a keyboard or a paste may put between words (em, en, thin, ideographic): a
space, as the no-break ones are."""


def normalize(text: str, *, apostrophes: bool = True) -> str:
    """Replace the smart quotes, option dashes and odd spaces chat clients insert with plain
    ASCII.

    With `apostrophes=False` a right single quote between letters (it\u2019s) is kept, so that
    it does not open a quotation when the text is split into words.
    """
    text = _OPTION_DASH.sub("--", _SPACES.sub(" ", text))
    if apostrophes:
        return text.translate(_TYPOGRAPHY)
    return "\u2019".join(part.translate(_TYPOGRAPHY) for part in _APOSTROPHE.split(text))


_EDGE_APOSTROPHE = re.compile(r"(?<=\w)'(?=[\s,.;:!?)]|$)|(?:(?<=\s)|^)'(?=[0-9]{2}s\b)")
"""An apostrophe at a word's edge as people type one: after a plural (`users' sessions`), or
before a decade (`the '90s`)."""


def _shell_words(line: str) -> list[str]:
    """The words of `line` as a POSIX shell splits them, quotes grouping words, except that a
    backslash escapes nothing: people in chat type one to mean itself (`C:\\temp`, `\\d+`),
    never to escape the next character, and a dropped one would be lost without a word."""
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escape = ""
    return list(lexer)


def _split(kept: str, stand_in: str) -> list[str]:
    """The shell's words of `kept` (`_shell_words`); a line that leaves a quote open is read
    again with the apostrophes at a word's edge as typed (`the users' sessions`: no quotation
    was meant), and refused only if it still leaves one open."""
    try:
        return _shell_words(kept)
    except ValueError:
        edged = _EDGE_APOSTROPHE.sub(stand_in, kept)
        if edged == kept:
            raise
        return _shell_words(edged)


def tokenize(text: str) -> list[str]:
    """Split normalised text into words, honouring quotes; drop a leading `sre` or `/sre`."""
    if len(text) > COMMAND_MAX:
        raise InvalidCommandError(
            f"That command is {len(text):,} characters long; the most I read is {COMMAND_MAX:,}.",
            usage="sre help",
        )
    if text.isascii() and not _QUOTING.search(text):  # no typography, nothing quoted: as below
        words = [word for word in _SHELL_SPACE.split(text) if word]
        return words[1:] if words and words[0].lower() in {"sre", "/sre"} else words
    try:
        normal = normalize(text, apostrophes=False)
        stand_in = _kept(normal)
        kept = _TYPED_APOSTROPHE.sub(stand_in, normal)
        if _QUOTING.search(kept):
            words = [word.replace(stand_in, "'") for word in _split(kept, stand_in)]
        else:  # nothing quoted: the shell's words are the runs between its whitespace
            words = [word.replace(stand_in, "'") for word in _SHELL_SPACE.split(kept) if word]
    except ValueError as error:
        raise InvalidCommandError(
            f"I could not read that command: {_unclosed(kept, stand_in)}.",
            usage=(
                'Close the quote: --when "error_rate > 2%"; free text needs none '
                "(sre investigation comment ID rolled back v42), and text that holds one quote "
                """goes in the other kind: '5" screen'"""
            ),
        ) from error
    if words and words[0].lower() in {"sre", "/sre"}:
        words = words[1:]
    return words


_SHOWN_WORD = 40
"""The longest word an unclosed quote's refusal repeats (longer: it names the quote alone)."""


def _unclosed(kept: str, stand_in: str) -> str:
    """Which quote of `kept` (its apostrophes between letters `stand_in`) nothing closes, in
    the word that holds it: `the " in `5"` opens a quote that nothing closes`."""
    line = _EDGE_APOSTROPHE.sub(stand_in, kept)
    opened: int | None = None
    for at, ch in enumerate(line):
        if opened is None and ch in "'\"":
            opened = at
        elif opened is not None and ch == line[opened]:
            opened = None
    if opened is None:  # not a quote after all: say what the shell splitter said
        return "a quote is not closed"
    start = max((line.rfind(space, 0, opened) for space in " \t\r\n"), default=-1) + 1
    ends = [e for e in (line.find(space, opened) for space in " \t\r\n") if e >= 0]
    word = redact(line[start : min(ends, default=len(line))].replace(stand_in, "'"))
    if len(word) > _SHOWN_WORD or not word.isprintable():  # too long, or hides what it holds
        return f"a {line[opened]} opens a quote that nothing closes"
    return f"the {line[opened]} in `{word}` opens a quote that nothing closes"


def joined(words: list[str]) -> str:
    """A command line of words already split (a terminal's arguments) that `tokenize` gives
    back word for word, their typography read as a chat client's is (a word in curly single
    quotes is kept as `'single'`, not taken for quoted after the line is split again)."""
    return " ".join(quote(normalize(word)) for word in words)


def quote(value: str) -> str:
    """Quote a value so that `tokenize` gives it back unchanged (`"it's done"`, as people would
    write it, rather than shell's `'it'"'"'s done'`; a value with both kinds of quote in parts
    side by side, since no backslash escapes: `"it's "'"'"x"'"'`)."""
    if "'" not in value:
        return shlex.quote(value)
    if '"' not in value:
        return f'"{value}"'
    return "'\"'".join(f'"{part}"' for part in value.split('"'))
