"""What an investigation could and could not judge, as a report says it.

"No significant change" is said only when every signal was judged steady against enough
baseline; a signal with no data, too little baseline or partial data is listed as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.replies import Reply, Tone, counted
from shared.telemetry.models import Finding, Gap, Judgement, Service, Verdict
from shared.telemetry.queries import unit_of
from shared.telemetry.wording import evidence
from shared.times import clock, moment, period

FALL_NOT_COUNTED = "A fall of latency, errors or saturation is not counted as a change."
SPANS = 3
"""The spans without data a line names, at most (then how many more)."""


def missing(verdict: Verdict, *, today: datetime | None = None, days: bool = False) -> str:
    """`no data after 01:49 UTC`, `no data between 07:59 and 08:20 UTC` (the points around
    it): the spans of the window without data (empty when there is none), dated unless of the
    day of `today`, or always when `days` (the page)."""
    said = [_gap(gap, today=today, days=days) for gap in verdict.missing[:SPANS]]
    more = len(verdict.missing) - SPANS
    return ", ".join(said) + (f" and {more} more span{'s' if more > 1 else ''}" if more > 0 else "")


def _gap(gap: Gap, *, today: datetime | None, days: bool) -> str:
    def at(moment_: datetime) -> str:
        if days or today is None:
            return f"{clock(moment_, days=days)} UTC"
        return moment(moment_, today=today)

    if gap.start is None:
        return f"no data before {at(gap.end)}" if gap.end else "no data"
    if gap.end is None:
        return f"no data after {at(gap.start)}"
    span = period(gap.start, gap.end, today=today, days=days or None)
    dash = " \N{EN DASH} " if " \N{EN DASH} " in span else "\N{EN DASH}"
    return f"no data between {span.replace(dash, ' and ', 1)}"


def reason(
    verdict: Verdict, window: str, *, today: datetime | None = None, days: bool = False
) -> str:
    """Why a signal could not be judged, with what it had and what it needed (report and page),
    and the spans of the window it had no data in."""
    if verdict.judgement is Judgement.NO_DATA:
        return f"no data in {window}"
    if verdict.judgement is Judgement.SHORT_BASELINE:
        return (
            f"not enough baseline: {counted(verdict.baseline_points, 'point')} before the window "
            f"and {verdict.window_points} in it; a baseline needs {verdict.needed_points}"
        )
    gaps = missing(verdict, today=today, days=days)
    return (
        f"partial data: {verdict.window_points:,} of {verdict.expected_points:,} "
        f"expected points in the window{f' ({gaps})' if gaps else ''}, "
        "no change in those there are"
    )


def unjudged_line(verdict: Verdict, window: str, today: datetime | None = None) -> str:
    """`traffic: no data in …`: one line of the report's "Could not judge"."""
    return f"{verdict.signal.label}: {reason(verdict, window, today=today)}"


def missing_lines(verdicts: Sequence[Verdict], today: datetime) -> list[str]:
    """`p99 latency: no data after 08:40 UTC`: the spans without data of the signals that
    changed (those not judged say theirs in their reason)."""
    return [
        f"{v.signal.label}: {missing(v, today=today)}"
        for v in verdicts
        if v.missing and v.judgement is Judgement.CHANGED
    ]


def _cannot(verdicts: Sequence[Verdict], today: datetime | None = None) -> str:
    """`no data for error rate, p99 latency; partial data (no data after 01:49 UTC) for
    traffic`."""
    reasons: dict[str, list[str]] = {}
    for v in verdicts:
        gaps = missing(v, today=today) if v.judgement is Judgement.PARTIAL else ""
        reasons.setdefault(v.judgement.value + (f" ({gaps})" if gaps else ""), []).append(
            v.signal.label
        )
    return "; ".join(f"{why} for {', '.join(labels)}" for why, labels in reasons.items())


def baseline_notes(verdicts: Sequence[Verdict]) -> list[str]:
    """Where the baseline came from when it was not the hours before the window."""
    by_note: dict[str, list[str]] = {}
    for v in verdicts:
        if v.note and (v.judgement.judged or v.judgement is Judgement.PARTIAL):
            by_note.setdefault(v.note, []).append(v.signal.label)
    return [f"{', '.join(labels)}: {note}" for note, labels in by_note.items()]


def finding_line(number: int, finding: Finding, now: datetime) -> str:
    """`1. error rate 13.7× baseline since 23:02 UTC (1% → 13.7%) · after deploy v7`, its
    times written for a reader at `now` (a time of another day with its date)."""
    after = f" · after {finding.near.summary}" if finding.near else ""
    return f"{number}. {finding_read(finding, now)}{after}"


def finding_read(finding: Finding, now: datetime) -> str:
    """A finding in words, written for a reader at `now` whatever day its report was: each of
    its times (an earlier change's too) dated unless of `now`'s day."""
    return f"{finding.signal.label} {evidence(finding, unit_of(finding), today=now)}"


def without_findings(
    service: Service,
    verdicts: Sequence[Verdict],
    cannot: list[str],
    window: str,
    fields: list[tuple[str, str]],
    now: datetime | None = None,
) -> Reply:
    """The reply when nothing changed: an all-clear only if every signal was judged steady
    (its times written for a reader at `now`)."""
    steady = [v.signal.label for v in verdicts if v.judgement is Judgement.STEADY]
    unjudged = [v for v in verdicts if not v.judgement.judged]
    if not verdicts:
        title = f"Cannot judge {service.name}: it has no golden signals to read in {window}"
        return Reply(tone=Tone.INFO, title=title, text="", fields=fields)
    if not unjudged:
        within = [v.signal.label for v in verdicts if not v.fall]
        fallen = fell(verdicts)
        said = [f"{_sentence(within)} stayed within their baseline."] if within else []
        title = f"{service.name}: no significant change in {window}"
        if fallen:  # good news for the service, or a sign it fails fast: no all-clear mark
            said += _falls(verdicts)
            title = (
                f"{service.name}: nothing rose, but {_sentence(fallen).lower()} fell in {window}"
            )
        return Reply(
            tone=Tone.INFO if fallen else Tone.OK,
            title=title,
            text="\n".join(said),
            fields=fields,
        )
    if not steady:
        title = f"Cannot judge {service.name}: {_cannot(unjudged, now)} in {window}"
        return Reply(tone=Tone.INFO, title=title, text="\n".join(cannot), fields=fields)
    fallen = fell(verdicts)
    calm = [label for label in steady if label not in fallen]  # a collapse is not "steady"
    judged = [f"{', '.join(calm)} steady"] if calm else []
    judged += [f"nothing rose, but {_sentence(fallen).lower()} fell"] if fallen else []
    title = f"{service.name}: {'; '.join(judged)}; {_cannot(unjudged, now)} in {window}"
    text = [*cannot, *([f"Judged steady: {', '.join(calm)}."] if calm else []), *_falls(verdicts)]
    return Reply(tone=Tone.INFO, title=title, text="\n".join(text), fields=fields)


def _falls(verdicts: Sequence[Verdict]) -> list[str]:
    """Each collapse a verdict says, a line each, then that none is counted as a change (none
    when nothing fell)."""
    lines = [f"{v.signal.label} {v.fall}." for v in verdicts if v.fall]
    return [*lines, FALL_NOT_COUNTED] if lines else []


def fell(verdicts: Sequence[Verdict]) -> list[str]:
    """The signals whose collapse a verdict says (`Verdict.fall`), by name."""
    return [v.signal.label for v in verdicts if v.fall]


def _sentence(labels: list[str]) -> str:
    text = ", ".join(labels[:-1]) + f" and {labels[-1]}" if len(labels) > 1 else labels[0]
    return text[:1].upper() + text[1:]
