"""One signal judged over a window: changed (from when, to what, until when), steady, or why it
could not be judged (no data, not enough baseline, partial data).

The whole window is seen at once, so a change is found offline: the first run of RUN consecutive
points beyond the baseline's margin that reaches into the window, extended back to where the run
began (which may be before the window), and forward to where the signal came back.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from shared.telemetry.baseline import NEEDED, Baseline, baseline_of
from shared.telemetry.events import ranked
from shared.telemetry.models import (
    EarlierChange,
    Event,
    Finding,
    Judgement,
    NoteKind,
    Signal,
    Verdict,
)
from shared.telemetry.notes import late_data_note, note_of
from shared.telemetry.queries import UNITS
from shared.times import clock, moment, period

RUN = 3
"""Consecutive points beyond the baseline that make a change (a lone outlier does not)."""
BACK = 3
"""Consecutive points back within the baseline that end a change."""
FULL = 10
"""A change this many points long is strong evidence; a shorter one is reported as weak."""
COVERED = 0.8
"""The share of a window's expected points below which its data is partial."""
NEAR = timedelta(minutes=30)
"""An event this long before a change is reported as what the change lines up with (the most
relevant kind first: a deploy before a configuration change before an alert firing)."""
RISING = {Signal.P50_LATENCY, Signal.P99_LATENCY, Signal.ERROR_RATE, Signal.SATURATION}
"""Signals whose fall is good news; traffic is anomalous either way."""
Points = Sequence[tuple[datetime, float]]


@dataclass(frozen=True)
class Change:
    """Where a change begins (index), where it ends (index of the first point back, or None
    while it lasts), and which way it went (+1 up, -1 down)."""

    first: int
    back: int | None
    side: int
    earlier: Change | None = None
    """The window's first change, when it came back before this one (still running) began."""


def step_of(points: Points, default: int) -> int:
    """The series' step in seconds: the median gap between points (`default` with fewer than 2)."""
    gaps = [(b[0] - a[0]).total_seconds() for a, b in pairwise(points)]
    return max(1, round(statistics.median(gaps))) if gaps else default


def find_change(signal: Signal, points: Points, start: datetime, base: Baseline) -> Change | None:
    """The change that reaches into the window (points from `start`): the first, unless it came
    back and a later one still runs at the window's end (what is happening now), if any."""
    sides = [base.side(v) for _, v in points]
    # a baseline that may itself be the incident (borrowed, or begun late): a fall counts too
    allowed = {1} if signal in RISING and not base.suspect else {1, -1}
    first = next((i for i, (t, _) in enumerate(points) if t >= start), len(points))
    found = cursor = _change_from(sides, first, allowed)
    while cursor is not None and cursor.back is not None:
        cursor = _change_from(sides, cursor.back, allowed)
        if cursor is not None and cursor.back is None:
            return replace(cursor, earlier=found)
    return found


def _change_from(sides: list[int], first: int, allowed: set[int]) -> Change | None:
    """The first run of RUN points on one allowed side from index `first`, walked back to where
    it began, or else a shorter run at the very end."""
    for i in range(first, len(sides) - RUN + 1):
        side = sides[i]
        if side in allowed and all(s == side for s in sides[i : i + RUN]):
            begin = i
            while begin > 0 and sides[begin - 1] == side:
                begin -= 1
            return Change(first=begin, back=_back(sides, i + RUN, side), side=side)
    return _latest(sides, first, allowed)


def _latest(sides: list[int], first: int, allowed: set[int]) -> Change | None:
    """A run shorter than RUN at the window's end (from `first`): the latest points, which
    nothing after them confirms or clears, are a rise (weak unless it began before the window)
    rather than steady; a fall only when it began RUN points or more before the end."""
    side = sides[-1] if len(sides) > first else 0
    if side not in allowed:
        return None
    begin = len(sides) - 1
    while begin > 0 and sides[begin - 1] == side:
        begin -= 1
    if side < 0 and len(sides) - begin < RUN:
        return None  # a provider's latest minutes of a count can arrive late: not yet a fall
    return Change(first=begin, back=None, side=side)


def _back(sides: list[int], after: int, side: int) -> int | None:
    """The index of the first of BACK points in a row no longer on `side`, if there is one."""
    for k in range(after, len(sides) - BACK + 1):
        if all(s != side for s in sides[k : k + BACK]):
            return k
    return None


def judge(
    signal: Signal,
    points: Points,
    *,
    start: datetime,
    end: datetime,
    step: int,
    events: Sequence[Event] = (),
    unit: str = "",
    today: datetime | None = None,
    read_from: datetime | None = None,
) -> tuple[Verdict, Finding | None]:
    """The signal's verdict over the window `start`–`end`, and its finding when it changed
    (its times dated unless of the day of `today`: the reader's now, else the window's end).
    `read_from`: where the hours before the window begin; when the data began in their second
    half, the baseline is only their end, and may be the incident."""
    today = today or end
    empty = _coverage(signal, points, start=start, end=end, step=step_of(points, step))
    before = sum(t < start for t, _ in points)
    if not empty.window_points:
        return empty, None
    base = baseline_of(points, start, read_from)
    if base is None:
        update = {"judgement": Judgement.SHORT_BASELINE, "baseline_points": before}
        return empty.model_copy(update=update), None
    verdict = empty.model_copy(
        update={
            "judgement": Judgement.STEADY,
            "baseline_start": base.start,
            "baseline_end": base.end,
            "baseline_points": base.points,
            "note_kind": NoteKind.BORROWED_BASELINE if base.borrowed else None,
            "points_before": before if base.borrowed else 0,
        }
    )
    note = (
        late_data_note(base.start, base.end, base.points, today=today)
        if base.late
        else note_of(verdict, today=today)
    )
    verdict = verdict.model_copy(update={"note": note})
    change = find_change(signal, points, start, base)
    if change is not None:
        finding = finding_of(signal, points, change, base, events, unit, today=today)
        return verdict.model_copy(update={"judgement": Judgement.CHANGED}), finding
    if verdict.window_points < COVERED * verdict.expected_points:
        return verdict.model_copy(update={"judgement": Judgement.PARTIAL}), None
    return verdict, None


def _coverage(
    signal: Signal, points: Points, *, start: datetime, end: datetime, step: int
) -> Verdict:
    """A NO_DATA verdict that counts the window's points and those it should have."""
    return Verdict(
        signal=signal,
        judgement=Judgement.NO_DATA,
        window_points=sum(start <= t <= end for t, _ in points),
        expected_points=max(1, int((end - start).total_seconds() // step)),
        needed_points=NEEDED,
    )


def finding_of(
    signal: Signal,
    points: Points,
    change: Change,
    base: Baseline,
    events: Sequence[Event],
    unit: str,
    *,
    today: datetime,
) -> Finding:
    """The finding for `change`: its onset, its peak or trough (transient) or level (sustained),
    its times dated unless of the day of `today`."""
    stop = change.back if change.back is not None else len(points)
    values = [v for _, v in points[change.first : stop]]
    if change.back is None:
        current = statistics.median(values)
    else:
        current = max(values) if change.side > 0 else min(values)
    at = points[change.first][0]
    earlier = change.earlier
    finding = Finding(
        signal=signal,
        onset=at,
        baseline=base.level,
        current=current,
        confidence=min(1.0, len(values) / FULL),
        evidence="",
        near=next(iter(ranked(e for e in events if timedelta(0) <= at - e.time <= NEAR)), None),
        end=points[change.back][0] if change.back is not None else None,
        earlier=EarlierChange(
            rose=earlier.side > 0, start=points[earlier.first][0], end=points[earlier.back][0]
        )
        if earlier is not None and earlier.back is not None
        else None,
    )
    return finding.model_copy(update={"evidence": evidence(finding, unit, today=today)})


def fmt(value: float) -> str:
    """A value as a report shows it: whole above 100, two decimals at most below, and in
    scientific notation from a billion (so a stray 1e300 in a file is not 300 digits)."""
    if abs(value) >= 1e9:
        return f"{value:.3g}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def times(ratio: float) -> str:
    """A ratio as a report shows it: `13.7`, or `fmt` from a thousand (`1,250`, `5.62e+297`)."""
    return f"{ratio:.1f}" if ratio < 1000 else fmt(ratio)


def size(finding: Finding) -> str:
    """How big the change is, against its baseline: `13.7× baseline`, `up from 0`, or where a
    value is negative (a ratio means nothing there) `50.15 above baseline`."""
    if finding.baseline < 0 or finding.current < 0:
        difference = finding.current - finding.baseline
        return f"{fmt(abs(difference))} {'above' if difference >= 0 else 'below'} baseline"
    ratio = finding.ratio
    return "up from 0" if ratio == float("inf") else f"{times(ratio)}× baseline"


def summary(finding: Finding, today: datetime | None = None, *, dated: bool = False) -> str:
    """The change without its values: `13.7× baseline since 23:02 UTC`, or for a transient one
    `fell to 0.2× baseline for 30 min, 21:38–22:08 UTC, recovered`; a time not of the day of
    `today` (the reader's now) with its date, a period across midnight with both; every time
    with its date when `dated` (a page, read any day)."""
    today = today or finding.end or finding.onset
    if finding.end is None:
        return f"{size(finding)} since {_moment(finding.onset, today, dated=dated)}"
    minutes = round((finding.end - finding.onset).total_seconds() / 60)
    went = "rose to" if finding.current >= finding.baseline else "fell to"
    return (
        f"{went} {size(finding)} for {minutes} min, "
        f"{_period(finding.onset, finding.end, today, dated=dated)}, recovered"
    )


def evidence(
    finding: Finding, unit: str, today: datetime | None = None, *, dated: bool = False
) -> str:
    """The finding in a line, without the signal's name (a report or page puts it before), its
    times written for a reader on the day of `today` (every one dated when `dated`)."""
    values = f"{fmt(finding.baseline)}{unit} → {fmt(finding.current)}{unit}"
    if finding.end is not None:
        values = ("peak " if finding.current >= finding.baseline else "trough ") + values
    text = f"{summary(finding, today, dated=dated)} ({values})"
    if finding.confidence < 1:
        points = round(finding.confidence * FULL)
        text += f"; weak evidence: {points} point{'s' if points != 1 else ''}"
    if earlier := finding.earlier:
        went = "rose" if earlier.rose else "fell"
        when = _period(earlier.start, earlier.end, today or finding.onset, dated=dated)
        text += f"; it also {went} {when} and came back"
    return text


def _moment(at: datetime, today: datetime, *, dated: bool) -> str:
    return f"{clock(at, days=True)} UTC" if dated else moment(at, today=today)


def _period(start: datetime, end: datetime, today: datetime, *, dated: bool) -> str:
    return period(start, end, days=True) if dated else period(start, end, today=today)


def judge_all(
    series: Mapping[Signal, Points],
    signals: Iterable[Signal],
    *,
    start: datetime,
    end: datetime,
    step: int,
    events: Sequence[Event],
    today: datetime | None = None,
    read_from: datetime | None = None,
) -> tuple[list[Verdict], list[Finding]]:
    """A verdict for every signal read (one with no points has no data), and the findings
    (dated for a reader on the day of `today`, else of the window's end; `read_from`: as
    `judge`)."""
    verdicts: list[Verdict] = []
    findings: list[Finding] = []
    for signal in signals:
        verdict, finding = judge(
            signal,
            series.get(signal, []),
            start=start,
            end=end,
            step=step,
            events=events,
            unit=UNITS[signal],
            today=today,
            read_from=read_from,
        )
        verdicts.append(verdict)
        findings += [finding] if finding else []
    return verdicts, findings
