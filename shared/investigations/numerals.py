"""Every word with a digit a narrative writes that the groundedness checker did not otherwise
read: a bare number (`12` of `12 rps`) must be one of the investigation's figures, anything else
(`abc1234`, `release-42`, `#9981`, `1405Z`) is unsupported unless the investigation writes it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shared.investigations.figures import NUMBER, Figures
from shared.telemetry.wording import LARGE

_WITH_DIGIT = re.compile(r"\S*\d\S*")
_EDGES = "()[]{}<>\"'`.,;:!?"
_BARE = re.compile(rf"[+\-\N{{MINUS SIGN}}]?{NUMBER}")
_NOT_UNITS = re.compile(
    r"an?|and|at|after|before|but|by|for|from|in|into|of|on|or|over|than|the|then|to|was|were"
    r"|while|with|within",
    re.IGNORECASE,
)


def numerals(
    text: str, figures: Figures, taken: list[tuple[int, int]]
) -> Iterator[tuple[int, str, bool]]:
    """Every word with a digit outside the `taken` spans: where it starts, as written, and
    whether it is supported (a bare number: one of the figures; anything else, an id or a time
    or a date in a form not read before: never, unless the investigation quotes it)."""
    masked = list(text)
    for a, b in taken:
        masked[a:b] = " " * (b - a)
    for match in _WITH_DIGIT.finditer("".join(masked)):
        word = match.group().strip(_EDGES)
        start = match.start() + match.group().index(word)
        if _BARE.fullmatch(word):
            written = _with_unit(text, start, word)
            yield (start, written, figures.number(_scaled(written, word)))
        else:
            yield (start, word, False)


_SCALES = {word: scale for scale, word in LARGE}


def _scaled(written: str, number: str) -> str:
    """The number `86.1 billion` says, as `fmt` rounds one that large (`8.61e+10`); else
    `number` as written."""
    scale = _SCALES.get(written.rsplit(" ", 1)[-1].lower()) if " " in written else None
    if scale is None:
        return number
    try:
        return f"{float(number.replace(',', '')) * scale:.3g}"
    except ValueError:
        return number


def _with_unit(text: str, start: int, number: str) -> str:
    """A bare number as written with the word after it, when that word may be its unit:
    `12 rps`, `500 connections` (not `44 of`)."""
    after = re.match(r"\s([A-Za-z]+)\b", text[start + len(number) :])
    if after and not _NOT_UNITS.fullmatch(after.group(1)):
        return number + after.group()
    return number
