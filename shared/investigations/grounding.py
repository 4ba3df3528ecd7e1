"""Is a narrative grounded in its investigation? A parser, not a model: every claim it can read
(a signal, a time, a ratio, a value, a duration, a deploy or version id) must be found in the
investigation, or the narrative is not shown.

The rules, each documented because a reviewer must be able to predict them:
- a signal named (`p99 latency`, `error rate`, `traffic`, `saturation`, their ids, and the common
  words `latency`, `errors`, `throughput`, `cpu`, `utilisation`) must be one the investigation
  read (a finding or a verdict); a metric it does not know (`p95 latency`, `error budget`,
  `apdex`, `availability`, `success rate`, `memory`, `disk`) is never supported;
- a time (`14:05`, `14:05 UTC`, `2026-01-05 14:05`) must be the same minute (and date, when
  given) as a finding's onset or end, an event, a log line's first time, or the window's ends;
- a ratio (`4.2×`, `4.2x`, `4.2 times`, `by a factor of 4`, `4-fold`, `fourfold`, `420%`,
  `down to 30%`, `fell 70%`) must be a finding's ratio (or its change) as the rule-based narrative
  rounds it (4.23 supports 4.23, 4.2 and 4); `N times` may also be a log line's count;
- a count or an amount (`4,000 requests`, `9000 requests per second`, `17 customers`, `12 users`,
  `40 errors`, `$40,000`) must be a finding's baseline, peak or change (or a log line's count),
  rounded the same way;
- a value with a unit (`380 ms`, `1.2 s`, `3%`) must be a finding's baseline, peak or change,
  rounded the same way, in the same or a thousandfold unit (ms and s);
- a duration (`3 min`, `2 h`) must be the minutes (or hours) between two of those times;
- a version or id (`v43`, `version 43`, `deploy-…`, `can-…`, `chx-…`, `chs-…`) must be written in an
  event, a finding's evidence or a log line.
Any claim written as such in an event, a log line, a finding's evidence or a verdict's note is
supported too (a narrative may quote them), as whole words: `v4` is not said by `v43`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import combinations

from shared.investigations.models import Investigation
from shared.records import Frozen
from shared.telemetry.judgement import fmt, times
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
_NUMBER = r"\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?"
_TIME = re.compile(r"(?:\b(\d{4}-\d{2}-\d{2})[ T])?\b(\d{1,2}):(\d{2})\b(?:\s*UTC)?")
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
_TIMES = re.compile(
    rf"(?<![\w.])({_NUMBER})\s(?:times)\b|\bfactor of ({_NUMBER})\b"
    rf"|(?<![\w.])({_NUMBER}|{'|'.join(_FOLD_WORDS)})-?fold\b",
    re.IGNORECASE,
)
_COUNT = re.compile(
    rf"(?<![\w.])({_NUMBER})\s?(?:requests|errors|customers|users)\b|\$({_NUMBER})\b",
    re.IGNORECASE,
)
_DOWN_TO = re.compile(rf"\bdown to ({_NUMBER})\s?%")
_VALUE = re.compile(rf"(?<![\w.:])({_NUMBER})\s?(ms|s|sec|seconds|%)(?!\w)")
_DURATION = re.compile(rf"(?<![\w.:])({_NUMBER})\s?(min|mins|minutes|m|h|hours?)(?!\w)")
_ID = re.compile(
    r"\b(?:v\d+(?:\.\d+)*|version\s+\d+(?:\.\d+)*|(?:deploy|can|chx|chs)-[\w.-]*\w)\b",
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


def check(text: str, investigation: Investigation) -> Grounding:
    """Each claim of `text` (signal, time, ratio, value, duration, id) not found in
    `investigation`, in the order written."""
    corpus = _corpus(investigation)
    found = [
        (start, claim)
        for start, claim, supported in _claims(text, investigation)
        if not supported and _said(claim, corpus) is False
    ]
    return Grounding(unsupported=tuple(claim for _, claim in sorted(found)))


def _claims(text: str, investigation: Investigation) -> Iterator[tuple[int, str, bool]]:
    """Every claim (where it starts, as written, whether the investigation's facts support it)."""
    moments = _moments(investigation)
    ratios = [f.ratio for f in investigation.findings if f.baseline > 0 and f.current >= 0]
    values = _values(investigation)
    read = {f.signal for f in investigation.findings} | {v.signal for v in investigation.verdicts}
    taken: list[tuple[int, int]] = []
    for match in _SIGNAL.finditer(text):
        known = _WORDS.get(match.group().lower(), frozenset())
        yield match.start(), match.group(), bool(known & read)
    for match in _TIME.finditer(text):
        taken.append(match.span())
        yield match.start(), match.group().strip(), _same_minute(match, moments)
    checks: tuple[tuple[re.Pattern[str], Callable[[str, str], bool]], ...] = (
        (_DOWN_TO, lambda n, _: _percent_of(n, ratios)),
        (_RATIO, lambda n, _: any(_rounds_to(n, r) for r in ratios)),
        (_VALUE, lambda n, unit: _value_of(n, unit, values, ratios)),
        (_DURATION, lambda n, unit: _duration_of(n, unit, moments)),
    )
    for pattern, supports in checks:
        for match in pattern.finditer(text):
            if any(a <= match.start() < b for a, b in taken):
                continue
            taken.append(match.span())
            unit = match.group(2) if match.re.groups > 1 else ""
            yield match.start(), match.group(), supports(match.group(1), unit)
    counts = _counts(investigation)
    for pattern, among in ((_TIMES, ratios + counts), (_COUNT, values + counts)):
        for match in pattern.finditer(text):
            if any(a <= match.start() < b for a, b in taken):
                continue
            taken.append(match.span())
            said = next(g for g in match.groups() if g)
            number = _FOLD_WORDS.get(said.lower(), said)
            yield match.start(), match.group(), any(_rounds_to(number, v) for v in among)
    for match in _ID.finditer(text):
        yield match.start(), match.group(), False


def _counts(investigation: Investigation) -> list[float]:
    """The log lines' counts (in the window and in the baseline)."""
    return [float(n) for log in investigation.logs for n in (log.window, log.baseline)]


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


def _moments(investigation: Investigation) -> list[datetime]:
    found = [investigation.start, investigation.end, investigation.opened_at]
    for finding in investigation.findings:
        found += [finding.onset] + ([finding.end] if finding.end else [])
        found += [finding.near.time] if finding.near else []
    found += [e.time for e in investigation.events]
    found += [log.first for log in investigation.logs if log.first]
    return found


def _same_minute(match: re.Match[str], moments: list[datetime]) -> bool:
    date, hour, minute = match.group(1), int(match.group(2)), int(match.group(3))
    return any(
        (m.hour, m.minute) == (hour, minute) and (not date or f"{m:%Y-%m-%d}" == date)
        for m in moments
    )


def _values(investigation: Investigation) -> list[float]:
    found: list[float] = []
    for finding in investigation.findings:
        found += [finding.baseline, finding.current, abs(finding.current - finding.baseline)]
    return found


def _renders(value: float) -> set[str]:
    """How a number may be written rounded: 4.23 as 4.23, 4.2 or 4 (and `fmt`, `times`)."""
    shown = {fmt(value), times(value), f"{value:.3g}"}
    shown |= {f"{value:.{places}f}" for places in range(3)}
    return {_plain(s) for s in shown}


def _plain(number: str) -> str:
    number = number.replace(",", "")
    return number.rstrip("0").rstrip(".") if "." in number and "e" not in number else number


def _rounds_to(number: str, value: float) -> bool:
    return _plain(number) in _renders(value)


def _percent_of(number: str, ratios: list[float]) -> bool:
    """`420%`, `down to 62%` or `fell 38%`: a ratio as a percentage (of the ratio, of it
    rounded, or of the change)."""
    candidates = [r * 100 for r in ratios] + [round(r, 1) * 100 for r in ratios]
    candidates += [abs(r - 1) * 100 for r in ratios]
    return any(_rounds_to(number, c) for c in candidates)


def _value_of(number: str, unit: str, values: list[float], ratios: list[float]) -> bool:
    if unit == "%" and _percent_of(number, ratios):
        return True
    scaled = values + [v / 1000 for v in values] + [v * 1000 for v in values]
    return any(_rounds_to(number, v) for v in scaled)


def _duration_of(number: str, unit: str, moments: list[datetime]) -> bool:
    minutes = {round(abs((a - b).total_seconds()) / 60) for a, b in combinations(moments, 2)}
    per = 60 if unit.startswith("h") else 1
    return any(_rounds_to(number, m / per) for m in minutes)
