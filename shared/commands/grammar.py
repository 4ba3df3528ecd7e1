"""Turn what a chat client sends into words: normalise its typography, then split like a shell."""

from __future__ import annotations

import re
import shlex

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
        "\u2014": "--",  # chat clients turn a typed `--` into an em dash
        "\u2013": "--",  # ... or an en dash
    }
)


COMMAND_MAX = 4000
"""The longest command line read. The grammar needs less (free text is at most 3,000
characters); Slack's own advice for a message is at most 4,000. Longer text is refused before any
work, so a megabyte pasted after `/sre` costs nothing and is not echoed back."""

_APOSTROPHE = re.compile(r"(?<=\w)\u2019(?=\w)")
_TYPED_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_QUOTING = re.compile(r"[\"'\\]")
"""What makes shlex do more than split at whitespace: a quote or a backslash."""
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
    """Replace the smart quotes, dashes and odd spaces chat clients insert with plain ASCII.

    With `apostrophes=False` a right single quote between letters (it\u2019s) is kept, so that
    it does not open a quotation when the text is split into words.
    """
    text = _SPACES.sub(" ", text)
    if apostrophes:
        return text.translate(_TYPOGRAPHY)
    return "\u2019".join(part.translate(_TYPOGRAPHY) for part in _APOSTROPHE.split(text))


_EDGE_APOSTROPHE = re.compile(r"(?<=\w)'(?=[\s,.;:!?)]|$)|(?:(?<=\s)|^)'(?=[0-9]{2}s\b)")
"""An apostrophe at a word's edge as people type one: after a plural (`users' sessions`), or
before a decade (`the '90s`)."""


def _split(kept: str, stand_in: str) -> list[str]:
    """shlex's words of `kept`; a line that leaves a quote open is read again with the
    apostrophes at a word's edge as typed (`the users' sessions`: no quotation was meant), and
    refused only if it still leaves one open."""
    try:
        return shlex.split(kept)
    except ValueError:
        edged = _EDGE_APOSTROPHE.sub(stand_in, kept)
        if edged == kept:
            raise
        return shlex.split(edged)


def tokenize(text: str) -> list[str]:
    """Split normalised text into words, honouring quotes; drop a leading `sre` or `/sre`."""
    if len(text) > COMMAND_MAX:
        raise InvalidCommandError(
            f"That command is {len(text):,} characters long; the most I read is {COMMAND_MAX:,}.",
            usage="sre help",
        )
    try:
        normal = normalize(text, apostrophes=False)
        stand_in = _kept(normal)
        kept = _TYPED_APOSTROPHE.sub(stand_in, normal)
        if _QUOTING.search(kept):
            words = [word.replace(stand_in, "'") for word in _split(kept, stand_in)]
        else:  # nothing quoted or escaped: shlex's words are the runs between its whitespace
            words = [word.replace(stand_in, "'") for word in _SHELL_SPACE.split(kept) if word]
    except ValueError as error:
        raise InvalidCommandError(
            f"I could not read that command: {error} (check your quotes).",
            usage=(
                'Close the quote: --when "error_rate > 2%"; free text needs none '
                "(sre investigation comment ID rolled back v42)"
            ),
        ) from error
    if words and words[0].lower() in {"sre", "/sre"}:
        words = words[1:]
    return words


def quote(value: str) -> str:
    """Quote a value so that `tokenize` gives it back unchanged (`"it's done"`, as people would
    write it, rather than shell's `'it'"'"'s done'`)."""
    if "'" not in value:
        return shlex.quote(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
