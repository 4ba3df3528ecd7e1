"""One signal judged over a window: changed (from when, to what, until when), steady, or why it
could not be judged (no data, not enough baseline, partial data).

The whole series read is seen at once, so changes are found offline: every episode that reaches
into the window (`episodes`), and the most significant of them is the finding, the others named
after it. The baseline is the hours before the window, or their part before a change that lasts
into it (`reference`). A window with a long span of no data says so, and is never "steady".
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from shared.telemetry.baseline import NEEDED, Baseline, baseline_of
from shared.telemetry.episodes import FULL, GAP, RUN, Stretch, most_significant, stretches
from shared.telemetry.events import ranked
from shared.telemetry.models import (
    Episode,
    Event,
    Finding,
    Gap,
    Judgement,
    NoteKind,
    Signal,
    Verdict,
)
from shared.telemetry.notes import (
    changed_baseline_note,
    late_data_note,
    note_of,
    older_baseline_note,
    recovered_baseline_note,
)
from shared.telemetry.queries import UNITS
from shared.telemetry.reference import reference
from shared.telemetry.wording import evidence, fallen

COVERED = 0.8
"""The share of a window's expected points below which its data is partial."""
MISSING = 10
"""Steps without a point that make a gap in the window's data (the data stopped, an outage
written as no rows): a signal with one has partial data, however many points the rest has."""
NEAR = timedelta(minutes=30)
"""An event this long before a change is reported as what the change lines up with (the most
relevant kind first: a deploy before a configuration change before an alert firing)."""
WORSE = 1.5
"""A lasting change whose last points are this many times as far from the baseline as its
typical value is told with its latest level too (`1.5× baseline since 07:30, now 10.0×`): a
ramp still climbing ends about twice as far as its middle, so twice missed every ramp."""
COLLAPSE = 0.35
"""A fall of latency, errors or saturation to this share of its level or less is said (a
service failing fast, an exporter gone wrong), though not counted as a change: a fall to a
third, the 3× the investigator promises to find either way, with room for its noise."""
RISING = {Signal.P50_LATENCY, Signal.P99_LATENCY, Signal.ERROR_RATE, Signal.SATURATION}
"""Signals whose fall is good news; traffic is anomalous either way."""
Points = Sequence[tuple[datetime, float]]


def step_of(points: Points, default: int) -> int:
    """The series' step in seconds: the median gap between points (`default` with fewer than 2)."""
    gaps = [(b[0] - a[0]).total_seconds() for a, b in pairwise(points)]
    return max(1, round(statistics.median(gaps))) if gaps else default


def gaps_in(points: Points, *, start: datetime, end: datetime, step: int) -> list[Gap]:
    """The spans of `start`–`end` with no point for MISSING steps or more: between two points,
    before the first (when the window begins before it) and after the last."""
    inside = [t for t, _ in points if start <= t <= end]
    least = timedelta(seconds=MISSING * step)
    if not inside:
        return []
    found = [Gap(end=inside[0])] if inside[0] - start >= least else []
    found += [Gap(start=a, end=b) for a, b in pairwise(inside) if b - a > least]
    return found + ([Gap(start=inside[-1])] if end - inside[-1] >= least else [])


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
    step = step_of(points, step)
    empty = _coverage(signal, points, start=start, end=end, step=step)
    if not empty.window_points:
        return empty, None
    allowed = {1} if signal in RISING else {1, -1}
    base = reference(points, start, read_from, allowed)
    if base is None:
        update = {"judgement": Judgement.SHORT_BASELINE, "baseline_points": _before(points, start)}
        return empty.model_copy(update=update), None
    verdict = _steady(empty, base, _before(points, start, read_from), today=today)
    # a baseline that may itself be the incident (borrowed, or begun late): a fall counts too
    values = [v for _, v in points]
    first = next((i for i, (t, _) in enumerate(points) if t >= start), len(points))
    sides = {1, -1} if base.suspect else allowed
    gap = max(RUN, round(GAP * 60 / step))  # GAP minutes in points at this step
    found = [s for s in stretches(values, base, sides, gap) if s.last >= first]
    chosen = most_significant(values, found, base)
    if chosen is not None:
        others = [s for s in found if s is not chosen]
        finding = finding_of(
            signal, points, chosen, others, base, events, unit, today=today, start=start
        )
        changed: dict[str, object] = {"judgement": Judgement.CHANGED}
        if base.changed_at is not None and finding.began_before:  # one onset, the finding's
            changed["note"] = changed_baseline_note(
                base.start, base.end, finding.onset, today=today
            )
        return verdict.model_copy(update=changed), finding
    if verdict.missing or verdict.window_points < COVERED * verdict.expected_points:
        return verdict.model_copy(update={"judgement": Judgement.PARTIAL}), None
    # a fall is measured from the hours' own level: one cut where they fell (`recovered_at`)
    # would take a collapse under way for the usual level (a service failing fast since 03:35)
    plain = baseline_of(points, start, read_from) if base.recovered_at is not None else base
    plain = plain or base
    fell = (
        [s for s in stretches(values, plain, {-1}, gap) if s.last >= first]
        if -1 not in sides
        else []
    )
    fall = most_significant(values, [s for s in fell if _collapse(values, s, plain)], plain)
    if fall is not None:  # not counted, but said: "within its baseline" it was not
        said = finding_of(signal, points, fall, [], plain, events, unit, today=today, start=start)
        worded = fallen(said, unit, today)
        if plain is not base:  # judged against the hours as they were, and said so
            verdict = _steady(empty, plain, _before(points, start, read_from), today=today)
        return verdict.model_copy(update={"fall": worded, "collapse": said}), None
    return verdict, None


def _collapse(values: Sequence[float], stretch: Stretch, base: Baseline) -> bool:
    """Whether a fall of a signal whose fall is good news is a collapse worth saying: FULL
    points or more, to COLLAPSE of its level or less (an evening's lower load, the end of a
    batch job in the hours before, is no news)."""
    if stretch.hits:  # drops now and then: no collapse, and a crash loop is no good news
        return False
    inside = values[stretch.first : stretch.stop(len(values))]
    return len(inside) >= FULL and statistics.median(inside) <= COLLAPSE * base.level


def _before(points: Points, start: datetime, since: datetime | None = None) -> int:
    """The points before `start` (since `since`, when given: the hours before the window)."""
    return sum(t < start and (since is None or t >= since) for t, _ in points)


def _steady(empty: Verdict, base: Baseline, before: int, *, today: datetime) -> Verdict:
    """The verdict judged against `base`, steady until a change is found, with its note."""
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
    if base.late:
        note = late_data_note(base.start, base.end, base.points, today=today)
    elif base.changed_at is not None:
        note = changed_baseline_note(base.start, base.end, base.changed_at, today=today)
    elif base.recovered_at is not None:
        note = recovered_baseline_note(base.start, base.end, base.recovered_at, today=today)
    elif base.older:
        within = NEEDED - base.older
        note = older_baseline_note(base.start, base.end, base.points, within, today=today)
    else:
        note = note_of(verdict, today=today)
    return verdict.model_copy(update={"note": note})


def _coverage(
    signal: Signal, points: Points, *, start: datetime, end: datetime, step: int
) -> Verdict:
    """A NO_DATA verdict that counts the window's points and those it should have, and the
    spans of it without any."""
    return Verdict(
        signal=signal,
        judgement=Judgement.NO_DATA,
        window_points=sum(start <= t <= end for t, _ in points),
        expected_points=max(1, int((end - start).total_seconds() // step)),
        needed_points=NEEDED,
        missing=gaps_in(points, start=start, end=end, step=step),
    )


def finding_of(
    signal: Signal,
    points: Points,
    chosen: Stretch,
    others: Sequence[Stretch],
    base: Baseline,
    events: Sequence[Event],
    unit: str,
    *,
    today: datetime,
    start: datetime,
) -> Finding:
    """The finding for the episode `chosen` of a window from `start`: its onset, its level
    (lasting) or its peak or trough and typical value (transient), or for a recurring change
    its deepest drop or highest spike and how many there were, and the signal's `others`
    episodes; its times dated unless of the day of `today`."""
    values = [v for _, v in points[chosen.first : chosen.stop(len(points))]]
    typical = statistics.median(values)
    lasting = chosen.back is None and not chosen.hits
    drops = [points[k][1] for k in chosen.hits]
    at = points[chosen.first][0]
    finding = Finding(
        signal=signal,
        onset=at,
        baseline=base.level,
        current=typical if lasting else _extreme(drops or values, chosen.side),
        confidence=min(1.0, len(values) / FULL),
        evidence="",
        near=next(iter(ranked(e for e in events if timedelta(0) <= at - e.time <= NEAR)), None),
        end=points[chosen.back][0] if chosen.back is not None else None,
        seen_until=_seen_until(points, chosen),
        level=typical if chosen.back is not None and not drops else None,
        others=[_episode(points, s) for s in others],
        began_before=at < start,
        latest=_worse(values, typical, base.level) if lasting else None,
        repeats=chosen.repeats or None,
    )
    return finding.model_copy(
        update={"evidence": evidence(finding, unit, today=today), "unit": unit}
    )


def _seen_until(points: Points, chosen: Stretch) -> datetime | None:
    """The end of the change's last point when MISSING steps or more without data come before
    the point it was back at (how long it lasted in them is unknown); else None."""
    if chosen.back is None or chosen.back == 0:
        return None
    step = timedelta(seconds=step_of(points[: chosen.back], 60))
    last, back = points[chosen.back - 1][0], points[chosen.back][0]
    return last + step if back - last > MISSING * step else None


def _worse(values: Sequence[float], typical: float, level: float) -> float | None:
    """A lasting change's level over its last RUN points, when WORSE times as far from the
    baseline's level as its typical value is (it keeps getting worse); else None."""
    latest = statistics.median(values[-RUN:])
    if typical == level or level == 0:  # no ratio to grow (`up from 0`)
        return None
    return latest if abs(latest - level) >= WORSE * abs(typical - level) else None


def _extreme(values: Sequence[float], side: int) -> float:
    return max(values) if side > 0 else min(values)


def _episode(points: Points, stretch: Stretch) -> Episode:
    """Another episode of the signal, as a finding names it (a recurring change by its drops
    or spikes)."""
    inside = [points[k] for k in stretch.hits] or points[stretch.first : stretch.stop(len(points))]
    values = [v for _, v in inside]
    return Episode(
        rose=stretch.side > 0,
        start=points[stretch.first][0],
        end=points[stretch.back][0] if stretch.back is not None else None,
        extreme=_extreme(values, stretch.side),
        points=len(values),
    )


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
    units: Mapping[Signal, str] = UNITS,
) -> tuple[list[Verdict], list[Finding]]:
    """A verdict for every signal read (one with no points has no data), and the findings
    (dated for a reader on the day of `today`, else of the window's end; `read_from`: as
    `judge`; `units`: how each signal's values read, as `units_of` its service)."""
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
            unit=units.get(signal, UNITS[signal]),
            today=today,
            read_from=read_from,
        )
        verdicts.append(verdict)
        findings += [finding] if finding else []
    return verdicts, findings
