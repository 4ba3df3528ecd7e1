"""From golden-signal series to ranked findings: what changed, when, by how much, after what."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from shared.records import Frozen
from shared.telemetry.episodes import LEAD
from shared.telemetry.judgement import NEAR, RISING, judge, judge_all
from shared.telemetry.models import Event, Finding, Signal, Verdict
from shared.telemetry.ports import Points
from shared.telemetry.queries import UNITS
from shared.telemetry.wording import summary

__all__ = [
    "NEAR",
    "RISING",
    "Findings",
    "findings",
    "first_movers",
    "first_to_move",
    "headline",
    "onset",
    "rank",
    "said_together",
]
STEP = 60
"""Seconds between two points of the series the investigator reads."""


class Findings(Frozen):
    """What the investigator found in a service's series: a verdict for every signal it read,
    and the changes, most telling first."""

    verdicts: list[Verdict]
    ranked: list[Finding]


def findings(
    series: Mapping[Signal, Points],
    *,
    start: datetime,
    end: datetime,
    signals: Iterable[Signal] | None = None,
    step: int = STEP,
    events: Sequence[Event] = (),
    today: datetime | None = None,
    read_from: datetime | None = None,
    units: Mapping[Signal, str] = UNITS,
) -> Findings:
    """The investigator: each of `signals` (default: every signal of `series`) judged over the
    window `start`-`end` against its baseline before it, and the changes found, ranked. The one
    path from series to findings, for an investigation and for the canary's replay set. Times
    of another day than `today` (the reader's now; default the window's end) carry their date.
    `read_from`: where the series was read from (the hours before the window), so a baseline
    whose data began late in them is judged as one that may be the incident. `units`: how each
    signal's values read (`units_of` the service: saturation's unit is its resource's)."""
    read = list(series) if signals is None else signals
    verdicts, found = judge_all(
        series,
        read,
        start=start,
        end=end,
        step=step,
        events=events,
        today=today,
        read_from=read_from,
        units=units,
    )
    return Findings(verdicts=verdicts, ranked=rank(found))


def onset(
    signal: Signal,
    points: Sequence[tuple[datetime, float]],
    window_start: datetime,
    events: Sequence[Event],
    unit: str = "",
) -> Finding | None:
    """The change in one signal inside the window that runs from `window_start` to the last
    point, if there is one (`judge` says why there is none)."""
    if not points:
        return None
    return judge(
        signal, points, start=window_start, end=points[-1][0], step=60, events=events, unit=unit
    )[1]


def rank(findings: Sequence[Finding]) -> list[Finding]:
    """Most telling first: confident, large changes; a strong one still under way first when it
    weighs at least LEAD of the first (a spike that came back an hour ago does not head the
    report over an incident that goes on; a slight, lasting rise does not hide a big spike)."""

    def weight(f: Finding) -> float:
        ratio = f.ratio if math.isfinite(f.ratio) and f.ratio > 0 else 10.0
        return f.confidence * math.log2(max(ratio, 1 / ratio) + 1)

    ranked = sorted(findings, key=weight, reverse=True)
    going = [f for f in ranked if f.confidence >= 1 and f.end is None]
    if (
        ranked
        and ranked[0].end is not None
        and going
        and weight(going[0]) >= LEAD * weight(ranked[0])
    ):
        return [going[0], *(f for f in ranked if f is not going[0])]
    return ranked


def headline(finding: Finding, today: datetime | None = None, *, dated: bool = False) -> str:
    """One line an on-call engineer reads first (`today`: the reader's now, to date a change
    that began another day; `dated`: every time with its date, for a page read any day)."""
    text = f"{finding.signal.label} {summary(finding, today, dated=dated)}"
    if finding.near:
        minutes = round((finding.onset - finding.near.time).total_seconds() / 60)
        text += f", {minutes} min after {finding.near.summary}"
    return text


TOGETHER = timedelta(minutes=1)
"""Changes that began within this of the first one moved together with it."""


def first_movers(findings: Sequence[Finding]) -> list[Finding]:
    """The signals whose change began earliest, with those that began within TOGETHER of it
    (they moved together), in order; among the strong findings when there is one (a blip of a
    few points does not decide what moved first)."""
    strong = [f for f in findings if f.confidence >= 1] or list(findings)
    order = sorted(strong, key=lambda f: (f.onset, f.signal.value))
    return [f for f in order if f.onset - order[0].onset < TOGETHER]


def first_to_move(findings: Sequence[Finding]) -> Finding | None:
    """The signal whose change began earliest (of those that moved together, the first named;
    among the strong findings when there is one)."""
    return next(iter(first_movers(findings)), None)


def said_together(movers: Sequence[Finding]) -> str:
    """`error rate`, or `error rate, p99 latency and saturation` (signals that moved together)."""
    labels = [f.signal.label for f in movers]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
