"""Is a narrative grounded in its investigation? A parser, not a model: every claim it can read
(a signal, a time, a ratio, a value, a duration, a deploy or version id) must be found in the
investigation, or the narrative is not shown; and anything else written with a digit in it is
a claim too, so what the parser does not recognise fails closed.

The rules, each documented because a reviewer must be able to predict them:
- a signal named (`p99 latency`, `error rate`, `traffic`, `saturation`, their ids, and the common
  words `latency`, `errors`, `throughput`, `cpu`, `utilisation`) must be a finding's; a signal the
  investigation read but saw no change in (steady, no data, not enough baseline, partial data)
  may be named only in a sentence that says that state and never as changing ("no data for
  error rate", "traffic stayed steady"; not "traffic rose first, then saturation"); a metric it
  does not know (`p95 latency`, `error budget`, `apdex`, `availability`, `success rate`,
  `memory`, `disk`) is never supported;
- a time (`14:05`, `14:05:00`, `14:05 UTC`, `2026-01-05 14:05`, `Mon 5 Jan 14:05`) must be the
  same minute (and second and date, when given) as a finding's onset or end, an event, a log
  line's first time, or the window's ends; a date alone (`2026-01-05`, `Mon 5 Jan`) must be one
  of theirs; a time in another form (`14.05 UTC`, `1405Z`, `2:15 PM`) is not read as one;
- a ratio (`4.2×`, `4.2x`, `4.2 times`, `4.2-times`, `by a factor of 4`, `4-fold`, `4 fold`,
  `fourfold`, `doubled`, `tripled`, `quadrupled`, `halved`, `420%`, `down to 30%`, `fell 70%`)
  must be a finding's ratio (or its change) as the rule-based narrative rounds it (4.23 supports
  4.23, 4.2 and 4); `N times` may also be a log line's count;
- a count or an amount (`4,000 requests`, `9000 requests per second`, `17 customers`, `12 users`,
  `40 errors`, `$40,000`) must be a finding's baseline, peak or change (or a log line's count),
  rounded the same way;
- a value with a unit (`380 ms`, `900 milliseconds`, `1.2 s`, `3%`) must be a finding's
  baseline, peak or change, rounded the same way, in the same or a thousandfold unit (ms and s);
- a duration (`3 min`, `2 h`) must be the minutes (or hours) between two of those times;
- a version or id (`v43`, `version 43`, `deploy-…`, `can-…`, `chx-…`, `chs-…`, `release 44`,
  `build #9981`, `PR #1234`, `rev 44`) must be written in an event, a finding's evidence or a log
  line;
- anything else with a digit in it: a bare number (`12` of `12 rps`, `3,000` of `3,000 sessions`)
  must be a ratio, value or count of the investigation, rounded the same way; any other word
  (`abc1234`, `release-42`, `#9981`, `1405Z`, `10.0.0.5`) must be written in the investigation.
Any claim but a signal's, written as such in an event, a log line, a finding's evidence, a
verdict's note or the service's name, is supported too (a narrative may quote them), as whole
words: `v4` is not said by `v43`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from shared.investigations.figures import NUMBER, Figures, percent_of, rounds_to
from shared.investigations.models import Investigation
from shared.investigations.moments import written_times
from shared.investigations.numerals import numerals
from shared.investigations.stated_signals import says_state
from shared.records import Frozen
from shared.telemetry.models import Signal

_LATENCY = frozenset({Signal.P50_LATENCY, Signal.P99_LATENCY})
_WORDS: dict[str, frozenset[Signal]] = {
    "p50 latency": frozenset({Signal.P50_LATENCY}),
    "p99 latency": frozenset({Signal.P99_LATENCY}),
    "latency": _LATENCY,
    "latencies": _LATENCY,
    "error rate": frozenset({Signal.ERROR_RATE}),
    "errors": frozenset({Signal.ERROR_RATE}),
    "traffic": frozenset({Signal.TRAFFIC}),
    "throughput": frozenset({Signal.TRAFFIC}),
    "saturation": frozenset({Signal.SATURATION}),
    "cpu": frozenset({Signal.SATURATION}),
    "utilisation": frozenset({Signal.SATURATION}),
    "utilization": frozenset({Signal.SATURATION}),
    **{signal.value: frozenset({signal}) for signal in Signal},
}
_UNKNOWN = r"p\d{1,3}(?:\.\d+)?\s+latency|error budget|apdex|availability|success rate|memory|disk"
_SIGNAL = re.compile(
    rf"\b(?:{_UNKNOWN}|{'|'.join(sorted(map(re.escape, _WORDS), key=len, reverse=True))})\b",
    re.IGNORECASE,
)
_NUMBER = NUMBER
_RATIO = re.compile(rf"(?<![\w.])({_NUMBER})\s?(?:×|x(?![\w]))")
_FOLD_WORDS = {
    word: str(number)
    for number, word in enumerate(
        [
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ],
        start=2,
    )
}
_MULTIPLIED = {"doubl": "2", "tripl": "3", "trebl": "3", "quadrupl": "4", "halv": "0.5"}
_TIMES = re.compile(
    rf"(?<![\w.])({_NUMBER})\s(?:times)\b|\bfactor of ({_NUMBER})\b"
    rf"|(?<![\w.])({_NUMBER}|{'|'.join(_FOLD_WORDS)})-?fold\b",
    re.IGNORECASE,
)
_MULTIPLE = re.compile(
    rf"\b({'|'.join(_MULTIPLIED)})(?:ed|es|ing|e)\b|(?<![\w.])({_NUMBER})(?: fold|-times)\b",
    re.IGNORECASE,
)
_COUNT = re.compile(
    rf"(?<![\w.])({_NUMBER})\s?(?:requests|errors|customers|users)\b|\$({_NUMBER})\b",
    re.IGNORECASE,
)
_DOWN_TO = re.compile(rf"\bdown to ({_NUMBER})\s?%")
_VALUE = re.compile(
    rf"(?<![\w.:])({_NUMBER})\s?(ms|milliseconds?|msecs?|s|secs?|seconds?|%)(?!\w)",
    re.IGNORECASE,
)
_DURATION = re.compile(rf"(?<![\w.:])({_NUMBER})\s?(min|mins|minutes|m|h|hours?|d|days?)(?!\w)")
_COMPOUND = re.compile(r"(?<![\w.:])(\d+)\s?(d|h|min)\s(\d+)\s?(h|min|s)(?!\w)")
"""A duration in two units, as the report says one (`3 h 30 min`, `1 min 40 s`, `2 d 4 h`)."""
_MINUTES = {"d": 1440.0, "h": 60.0, "min": 1.0, "s": 1 / 60}
_ID = re.compile(
    r"\b(?:v\d+(?:\.\d+)*|version\s+\d+(?:\.\d+)*|(?:deploy|can|chx|chs)-[\w.-]*\w)\b",
    re.IGNORECASE,
)
_NAMED_ID = re.compile(
    r"\b(?:release|rev|revision|build|deploy|deployment|commit|pr|pull request|ticket|sha)"
    r"[\s-]?(?:#\s?)?\d(?:[\w.-]*\w)?",
    re.IGNORECASE,
)


class Grounding(Frozen):
    """What a narrative says that its investigation does not: each claim as written."""

    unsupported: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every claim the checker read is supported."""
        return not self.unsupported


class Mention(Frozen):
    """A signal or an id a text names: a signal as its label (`p99 latency`; a word that names
    more than one signal, or a metric the investigator does not read, as written, lowercased),
    an id as written (`version 43` as `v43`)."""

    name: str
    signal: bool


def named(text: str) -> list[Mention]:
    """The signals and the version or event ids `text` names, in the order written (the same
    vocabulary `check` reads)."""
    found = [(m.start(), _signal_mention(m.group())) for m in _SIGNAL.finditer(text)]
    found += [(m.start(), _id_mention(m.group())) for m in _ID.finditer(text)]
    return [mention for _, mention in sorted(found, key=lambda item: item[0])]


def _signal_mention(word: str) -> Mention:
    signals = _WORDS.get(word.lower(), frozenset())
    name = next(iter(signals)).label if len(signals) == 1 else " ".join(word.lower().split())
    return Mention(name=name, signal=True)


def _id_mention(word: str) -> Mention:
    version = re.fullmatch(r"version\s+(\d+(?:\.\d+)*)", word, re.IGNORECASE)
    return Mention(name=f"v{version.group(1)}" if version else word.lower(), signal=False)


class _Claim(NamedTuple):
    """One claim: where it starts, as written, whether the investigation's facts support it,
    and whether quoting the investigation's words can support it (a signal's cannot)."""

    start: int
    said: str
    supported: bool
    quotable: bool = True


def check(text: str, investigation: Investigation) -> Grounding:
    """Each claim of `text` (signal, time, ratio, value, duration, id, any other word with a
    digit) not found in `investigation`, in the order written."""
    corpus = _corpus(investigation)
    found = [
        (claim.start, claim.said)
        for claim in _claims(text, investigation)
        if not claim.supported and not (claim.quotable and _said(claim.said, corpus))
    ]
    return Grounding(unsupported=tuple(claim for _, claim in sorted(found)))


def _claims(text: str, investigation: Investigation) -> Iterator[_Claim]:
    """Every claim: the recognised ones, then every other word with a digit in it."""
    figures = Figures.of(investigation)
    taken = _quoted(text, investigation)
    yield from _signals(text, investigation, taken)
    yield from (_Claim(*claim) for claim in written_times(text, figures, taken))
    yield from _numbers(text, figures, taken)
    for match in _ID.finditer(text):
        taken.append(match.span())
        yield _Claim(match.start(), match.group(), False)
    for match in _NAMED_ID.finditer(text):
        if not any(a < match.end() and match.start() < b for a, b in taken):
            taken.append(match.span())
            yield _Claim(match.start(), match.group(), False)
    yield from (_Claim(*claim) for claim in numerals(text, figures, taken))


def _quoted(text: str, investigation: Investigation) -> list[tuple[int, int]]:
    """Where `text` writes the service's name (`api-v2`, `traffic-router`: neither a signal nor
    a number)."""
    name = re.escape(investigation.service)
    return [m.span() for m in re.finditer(rf"(?<![\w-]){name}(?![\w-])", text, re.IGNORECASE)]


def _signals(
    text: str, investigation: Investigation, taken: list[tuple[int, int]]
) -> Iterator[_Claim]:
    """Each signal named: one that moved, or one that did not named with its state."""
    moved = {f.signal for f in investigation.findings}
    states = {v.signal: v.judgement for v in investigation.verdicts if v.signal not in moved}
    counted = [m.span() for m in _COUNT.finditer(text)]
    for match in _SIGNAL.finditer(text):
        if any(a <= match.start() < b for a, b in taken + counted):
            continue  # `40 errors` is a count, checked as such
        taken.append(match.span())
        known = _WORDS.get(match.group().lower(), frozenset())
        held = {states[s] for s in known if s in states}
        supported = bool(known & moved) or says_state(text, match.start(), held)
        yield _Claim(match.start(), match.group(), supported, quotable=False)


def _numbers(text: str, figures: Figures, taken: list[tuple[int, int]]) -> Iterator[_Claim]:
    """Each ratio, value, duration, multiple and count."""
    checks: tuple[tuple[re.Pattern[str], Callable[[str, str], bool]], ...] = (
        (_COMPOUND, lambda n, _: round(float(n)) in figures.minutes()),
        (_DOWN_TO, lambda n, _: percent_of(n, figures.ratios)),
        (_RATIO, lambda n, _: any(rounds_to(n, r) for r in figures.ratios)),
        (_VALUE, lambda n, unit: _value_of(n, unit, figures)),
        (_DURATION, lambda n, unit: _duration_of(n, unit, figures)),
        (_MULTIPLE, lambda n, _: any(rounds_to(n, r) for r in figures.ratios)),
        (_TIMES, lambda n, _: any(rounds_to(n, v) for v in figures.ratios + figures.counts)),
        (_COUNT, lambda n, _: any(rounds_to(n, v) for v in figures.values + figures.counts)),
    )
    for pattern, supports in checks:
        for match in pattern.finditer(text):
            if any(a <= match.start() < b for a, b in taken):
                continue
            taken.append(match.span())
            yield _Claim(match.start(), match.group(), supports(*_number_of(match)))


def _number_of(match: re.Match[str]) -> tuple[str, str]:
    """The number a match says (`doubled` says 2, `fourfold` 4) and its unit, if any."""
    if match.re is _VALUE or match.re is _DURATION:
        return match.group(1), match.group(2).lower()
    if match.re is _COMPOUND:  # in minutes
        big, large, small, little = match.groups()
        return str(int(big) * _MINUTES[large] + int(small) * _MINUTES[little]), "min"
    said = next(g for g in match.groups() if g)
    word = said.lower()
    return _MULTIPLIED.get(word, _FOLD_WORDS.get(word, said)), ""


def _corpus(investigation: Investigation) -> str:
    """The investigation's own words, lowercased, that a narrative may quote."""
    texts = [investigation.service]
    texts += [f"{e.kind} {e.summary} {e.by}" for e in investigation.events]
    for finding in investigation.findings:
        texts.append(finding.evidence)
        if finding.near is not None:
            texts.append(finding.near.summary)
    texts += [log.text for log in investigation.logs]
    texts += [v.note for v in investigation.verdicts]
    return "\n".join(texts).lower()


def _said(claim: str, corpus: str) -> bool:
    """Whether `claim` is written in the corpus as whole words and numbers (`v4` is not said by
    `v43`, nor `4.2` by `4.23`); `version 43` is said by `v43` too."""
    claim = claim.lower()
    if re.search(rf"(?<!\w)(?<!\d\.){re.escape(claim)}(?!\w)(?!\.\d)", corpus):
        return True
    version = re.fullmatch(r"(?:v|version\s+)(\d+(?:\.\d+)*)", claim)
    return bool(version) and bool(
        re.search(rf"\b(?:v|version\s+){re.escape(version.group(1))}\b", corpus)  # type: ignore[union-attr]
    )


def _value_of(number: str, unit: str, figures: Figures) -> bool:
    if unit == "%" and percent_of(number, figures.ratios):
        return True
    values = figures.values
    scaled = values + tuple(v / 1000 for v in values) + tuple(v * 1000 for v in values)
    return any(rounds_to(number, v) for v in scaled)


def _duration_of(number: str, unit: str, figures: Figures) -> bool:
    per = 1440 if unit.startswith("d") else 60 if unit.startswith("h") else 1
    return any(rounds_to(number, m / per) for m in figures.minutes())
