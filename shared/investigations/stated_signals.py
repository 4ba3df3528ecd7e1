"""What a sentence says of a signal: that it changed, or the state it was in (steady, no data,
not enough baseline, partial data). The groundedness checker lets a signal that did not move be
named only where its sentence says that state, and never as changing."""

from __future__ import annotations

import re

from shared.telemetry.models import Judgement

_CHANGE = re.compile(
    r"\b(?:ros[e]|rises?|risen|rising|jump\w*|spik\w*|surg\w*|climb\w*|gr[eo]w\w*|increas\w*"
    r"|fell|fall\w*|drop\w*|declin\w*|decreas\w*|dip\w*|plung\w*|plummet\w*|sank|tank\w*"
    r"|mov(?:ed|es|ing|e)|first|then|doubl\w*|tripl\w*|trebl\w*|quadrupl\w*|halv\w*|peak\w*"
    r"|went|up|down|led|lead\w*|preced\w*|followed|caus\w*|trigger\w*|start\w*|began|breach\w*"
    r"|regress\w*|degrad\w*|recover\w*|shift\w*|chang(?:ed|es|ing))\b",
    re.IGNORECASE,
)
_UNJUDGED = r"could(?: not|n't) (?:be )?judged?|can(?:not|'t) (?:be )?judged?|not judged|unjudged"
_STATES: dict[Judgement, re.Pattern[str]] = {
    Judgement.STEADY: re.compile(
        r"\b(?:steady|stayed|stable|unchanged|flat|no change|did(?: not|n't) move|never moved"
        r"|held|within (?:its )?baseline|normal)\b",
        re.IGNORECASE,
    ),
    Judgement.NO_DATA: re.compile(rf"\b(?:no data|{_UNJUDGED})\b", re.IGNORECASE),
    Judgement.SHORT_BASELINE: re.compile(
        rf"\b(?:not enough baseline|too little baseline|short baseline|{_UNJUDGED})\b",
        re.IGNORECASE,
    ),
    Judgement.PARTIAL: re.compile(rf"\b(?:partial(?: data)?|{_UNJUDGED})\b", re.IGNORECASE),
}
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[;\n\N{MIDDLE DOT}]")
_CLAUSE_END = re.compile(r"[,:()]|\b(?:and|but|while|whereas|though|although)\b", re.IGNORECASE)


def _around(text: str, at: int, ends: re.Pattern[str]) -> tuple[int, int]:
    """Where the part of `text` around position `at`, between two matches of `ends`, is."""
    start = max((m.end() for m in ends.finditer(text, 0, at)), default=0)
    end = next((m.start() for m in ends.finditer(text, at)), len(text))
    return start, end


def says_state(text: str, at: int, judgements: set[Judgement]) -> bool:
    """Whether the signal named at `at` is said to be in one of `judgements` (its sentence says
    that state) and not said to change (its clause, that state aside, has no word of change)."""
    start, end = _around(text, at, _SENTENCE_END)
    sentence = text[start:end]
    since, until = _around(sentence, at - start, _CLAUSE_END)
    clause = sentence[since:until]
    for judgement in judgements & _STATES.keys():
        state = _STATES[judgement]
        if state.search(sentence) and not _CHANGE.search(state.sub(" ", clause)):
            return True
    return False
