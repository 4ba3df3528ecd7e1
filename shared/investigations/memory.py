"""The team's own past: which resolved investigations of the same team look most like this one.

Each investigation gets a deterministic profile: which signals moved, in what order and by how
much, the kind of event just before the first onset, the service, and the words of its narrative,
summary and cause. Two profiles are compared by one score in [0, 1]:

    score = 0.50 * moved + 0.15 * after + 0.10 * service + 0.25 * words

- moved: cosine of the signal vectors; a signal's weight is 1 / (1 + its rank by onset), so the
  first to move counts most, times 0.5 + 0.5 * min(|ln ratio|, 3) / 3 (how far it moved, capped
  at about 20×). Two investigations where nothing moved are alike (1).
- after: 1 when the kind of the last event within 30 minutes before the first onset (deploy,
  config, canary, chaos, alert or none) is the same.
- service: 1 when it is the same service.
- words: cosine of the term counts of the words of the narrative, summary and cause (stop words
  and bare numbers removed; the headline is left out: its times and ratios are noise here).

What moved carries half the weight because it is what the investigator measured; the words only
help once people have written summaries and causes. MIN_SCORE is above what the other parts
reach together (0.5), so a past incident is shown only when something moved alike.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from shared.investigations.models import Investigation, InvestigationStatus
from shared.records import Frozen
from shared.telemetry.models import Signal
from shared.times import day

SHOWN = 3
"""The most similar past incidents a report and a page show."""
SUMMARY_SHOWN = 80
"""A past incident's summary is cut to this many characters where it is listed."""
MOVED, AFTER, SERVICE, WORDS = 0.50, 0.15, 0.10, 0.25
"""The weights of the score's parts (they add up to 1)."""
MIN_SCORE = 0.55
"""A past incident less similar than this is not shown."""
MAX_READ = 200
"""The most past investigations one retrieval reads (the team's newest): the read is bounded."""
LOG_RATIO_CAP = 3.0
"""How far a move counts at most: ln(20) is about 3, so 20× and 200× weigh the same."""
BEFORE_ONSET = timedelta(minutes=30)
"""How long before the first onset an event counts as what the change came after."""
EVENT_KINDS = ("deploy", "config", "canary", "chaos", "alert")
K = TypeVar("K")
STOP_WORDS = frozenset(
    (
        "a",
        "an",
        "and",
        "after",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "then",
        "this",
        "to",
        "was",
        "were",
        "with",
    )
)


class PastIncident(Frozen):
    """A resolved investigation of the team, as shown under "Similar past incidents" and given
    to a model as an example."""

    id: str
    service: str
    opened_at: datetime
    what_moved: str
    cause: str
    summary: str


class Profile(Frozen):
    """What an investigation is compared by."""

    moved: dict[Signal, float]
    after: str
    service: str
    words: dict[str, float]


def profile(investigation: Investigation) -> Profile:
    """The investigation's profile (deterministic: the same investigation, the same profile)."""
    ordered = sorted(investigation.findings, key=lambda f: (f.onset, f.signal.value))
    moved: dict[Signal, float] = {}
    for rank, finding in enumerate(ordered):
        if finding.signal in moved:
            continue
        ratio = finding.ratio if math.isfinite(finding.ratio) and finding.ratio > 0 else math.e**3
        size = min(abs(math.log(ratio)), LOG_RATIO_CAP) / LOG_RATIO_CAP
        moved[finding.signal] = (0.5 + 0.5 * size) / (1 + rank)
    onset = ordered[0].onset if ordered else None
    text = " ".join((investigation.narrative, investigation.summary, investigation.cause))
    return Profile(
        moved=moved,
        after=_after(investigation, onset),
        service=investigation.service,
        words={word: float(n) for word, n in Counter(_words(text)).items()},
    )


def similarity(one: Profile, other: Profile) -> float:
    """How alike two profiles are, in [0, 1] (the module's docstring explains the weights)."""
    moved = 1.0 if not one.moved and not other.moved else _cosine(one.moved, other.moved)
    return (
        MOVED * moved
        + AFTER * (one.after == other.after)
        + SERVICE * (one.service == other.service)
        + WORDS * _cosine(one.words, other.words)
    )


def nearest(
    investigation: Investigation, past: Iterable[Investigation], *, limit: int = 5
) -> list[Investigation]:
    """The resolved investigations with a cause of the same org and team as `investigation`
    (never itself), at least MIN_SCORE alike, most similar first (newest first on a tie); reads
    at most MAX_READ of `past`."""
    mine = profile(investigation)
    scored: list[tuple[float, Investigation]] = []
    for count, other in enumerate(past):
        if count >= MAX_READ:
            break
        if not _comparable(investigation, other):
            continue
        score = similarity(mine, profile(other))
        if score >= MIN_SCORE:
            scored.append((score, other))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].opened_at.timestamp(), pair[1].id))
    return [other for _, other in scored[:limit]]


def incident(investigation: Investigation) -> PastIncident:
    """A resolved investigation as a past incident."""
    ordered = sorted(investigation.findings, key=lambda f: (f.onset, f.signal.value))
    moved = ", then ".join(f"{f.signal.label} {f.ratio:.1f}×" for f in ordered[:3])
    return PastIncident(
        id=investigation.id,
        service=investigation.service,
        opened_at=investigation.opened_at,
        what_moved=moved or "nothing moved",
        cause=investigation.cause,
        summary=investigation.summary,
    )


def told(past: PastIncident, link: str, *, now: datetime) -> str:
    """One line of "Similar past incidents": `Wed 2 Dec checkout-api: deploy v42 (pool
    exhausted) <link>`."""
    summary = past.summary
    if len(summary) > SUMMARY_SHOWN:
        summary = summary[: SUMMARY_SHOWN - 1] + "…"
    said = f" ({summary})" if summary else ""
    return f"{day(past.opened_at, today=now)} {past.service}: {past.cause}{said} {link}"


def diverse(incidents: Sequence[PastIncident], k: int) -> list[PastIncident]:
    """Up to `k` of `incidents` (most similar first), one per cause first, then the rest in
    order: few-shot examples that do not all tell the same story."""
    first: dict[str, PastIncident] = {}
    for past in incidents:
        first.setdefault(past.cause.lower(), past)
    rest = [i for i in incidents if i not in first.values()]
    return [*first.values(), *rest][: max(k, 0)]


def _comparable(investigation: Investigation, other: Investigation) -> bool:
    return (
        other.org == investigation.org
        and other.team == investigation.team
        and other.id != investigation.id
        and other.status is InvestigationStatus.RESOLVED
        and bool(other.cause)
    )


def _after(investigation: Investigation, onset: datetime | None) -> str:
    """The kind of the last event within BEFORE_ONSET before `onset`, or `none`."""
    if onset is None:
        return "none"
    before = [e for e in investigation.events if onset - BEFORE_ONSET <= e.time <= onset]
    if not before:
        return "none"
    kind = max(before, key=lambda e: e.time).kind.lower()
    return next((k for k in EVENT_KINDS if k in kind), "other")


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z][a-z0-9]*", text.lower()) if w not in STOP_WORDS]


def _cosine(one: Mapping[K, float], other: Mapping[K, float]) -> float:
    dot = sum(value * other.get(key, 0) for key, value in one.items())
    norm = math.sqrt(sum(v * v for v in one.values())) * math.sqrt(
        sum(v * v for v in other.values())
    )
    return dot / norm if norm else 0.0
