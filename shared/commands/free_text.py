"""The one free-text type (descriptions, comments, notes, summaries, silence comments) and the
one way anything a person typed is shown back to them."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

from shared.audit.redaction import redact
from shared.commands.grammar import normalize

FREE_TEXT_MAX = 200
"""A description, a note, a silence comment: a line in a listing."""
LONG_TEXT_MAX = 3000
"""A comment or a summary: at most what Slack shows in one section."""
SHOWN_MAX = 60
"""How much of a typed word an error message repeats: enough to recognise it, never a flood."""

# Refused: they break a line (C0 controls, DEL, C1 controls, the line and paragraph separators)
# or reorder what a reader sees (bidirectional embeddings, overrides and isolates: "Trojan Source").
_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""Control characters, line separators, bidirectional overrides, and lone surrogates (a byte of
a terminal argument that is not UTF-8, an escaped half of a pair in JSON): refused, written out."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def not_utf8(text: str) -> str | None:
    """`U+DCFF` for text holding a lone surrogate (a terminal argument's byte that is not UTF-8,
    an escaped half of a pair in JSON), which nothing can store, log or show; None for text."""
    found = _SURROGATE.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
"""Letters and marks that print as nothing (the Hangul fillers, the blank Braille pattern, the
combining grapheme joiner): a comment of them would read as empty."""


def _invisible(ch: str) -> bool:
    """Zero-width and other format characters (U+200B..U+200F, U+2060, U+FEFF, ...) and the
    blanks of `_BLANK`: dropped."""
    return unicodedata.category(ch) == "Cf" or ch in _BLANK


def _within(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(
                f"is too long: {len(value):,} characters, at most {limit:,}"
                + (" (Slack's limit for one section)" if limit == LONG_TEXT_MAX else "")
            )
        return value

    return AfterValidator(check)


def _clean(value: str) -> str:
    cleaned = normalize(value)
    refused = _REFUSED.search(cleaned)
    if refused:
        raise ValueError(
            "must not contain control characters, line separators or bidirectional overrides"
            f" (U+{ord(refused.group()):04X})"
        )
    visible = "".join(ch for ch in cleaned if not _invisible(ch)).strip()
    return redact(visible)


FreeText = Annotated[str, _within(FREE_TEXT_MAX), AfterValidator(_clean)]
"""A short human text, normalised like the command it came in, without control, bidirectional or
invisible characters, its secrets masked: it is stored, posted and audited as it is."""
LongText = Annotated[str, _within(LONG_TEXT_MAX), AfterValidator(_clean)]
"""Free text that may run to a few paragraphs' worth (a comment, a summary): checked the same
way, up to LONG_TEXT_MAX."""


def shown(typed: str, limit: int = SHOWN_MAX) -> str:
    """What a person typed, as an error message or a log may repeat it: secrets masked, invisible
    and control characters made visible (`\\u202e`), at most `limit` characters."""
    masked = redact(typed[: limit * 4])  # whole secrets near the cut are still recognised
    return visible(masked[:limit]) + ("…" if len(masked) > limit or len(typed) > limit * 4 else "")


def visible(text: str) -> str:
    """`text` with its control, bidirectional and invisible characters written out (`\\u202e`),
    so repeating it can neither reorder nor hide what a reader sees."""
    return "".join(
        f"\\u{ord(ch):04x}" if _REFUSED.match(ch) or _invisible(ch) else ch for ch in text
    )
