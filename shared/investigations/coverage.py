"""What an investigation could and could not judge, as a report says it.

"No significant change" is said only when every signal was judged steady against enough
baseline; a signal with no data, too little baseline or partial data is listed as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.replies import Reply, Tone, counted
from shared.telemetry.judgement import evidence
from shared.telemetry.models import Finding, Judgement, Service, Verdict
from shared.telemetry.queries import UNITS


def reason(verdict: Verdict, window: str) -> str:
    """Why a signal could not be judged, with what it had and what it needed (report and page)."""
    if verdict.judgement is Judgement.NO_DATA:
        return f"no data in {window}"
    if verdict.judgement is Judgement.SHORT_BASELINE:
        return (
            f"not enough baseline: {counted(verdict.baseline_points, 'point')} before the window "
            f"and {verdict.window_points} in it; a baseline needs {verdict.needed_points}"
        )
    return (
        f"partial data: {verdict.window_points:,} of {verdict.expected_points:,} "
        "expected points in the window, no change in those there are"
    )


def unjudged_line(verdict: Verdict, window: str) -> str:
    """`traffic: no data in …`: one line of the report's "Could not judge"."""
    return f"{verdict.signal.label}: {reason(verdict, window)}"


def _cannot(verdicts: Sequence[Verdict]) -> str:
    """`no data for error rate, p99 latency; partial data for traffic`."""
    reasons: dict[Judgement, list[str]] = {}
    for v in verdicts:
        reasons.setdefault(v.judgement, []).append(v.signal.label)
    return "; ".join(f"{j.value} for {', '.join(labels)}" for j, labels in reasons.items())


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
    return f"{finding.signal.label} {evidence(finding, UNITS[finding.signal], today=now)}"


def without_findings(
    service: Service,
    verdicts: Sequence[Verdict],
    cannot: list[str],
    window: str,
    fields: list[tuple[str, str]],
) -> Reply:
    """The reply when nothing changed: an all-clear only if every signal was judged steady."""
    steady = [v.signal.label for v in verdicts if v.judgement is Judgement.STEADY]
    unjudged = [v for v in verdicts if not v.judgement.judged]
    if not verdicts:
        title = f"Cannot judge {service.name}: it has no golden signals to read in {window}"
        return Reply(tone=Tone.INFO, title=title, text="", fields=fields)
    if not unjudged:
        return Reply(
            tone=Tone.OK,
            title=f"{service.name}: no significant change in {window}",
            text=f"{_sentence(steady)} stayed within their baseline.",
            fields=fields,
        )
    if not steady:
        title = f"Cannot judge {service.name}: {_cannot(unjudged)} in {window}"
        return Reply(tone=Tone.INFO, title=title, text="\n".join(cannot), fields=fields)
    title = f"{service.name}: {', '.join(steady)} steady; {_cannot(unjudged)} in {window}"
    text = [*cannot, f"Judged steady: {', '.join(steady)}."]
    return Reply(tone=Tone.INFO, title=title, text="\n".join(text), fields=fields)


def _sentence(labels: list[str]) -> str:
    text = ", ".join(labels[:-1]) + f" and {labels[-1]}" if len(labels) > 1 else labels[0]
    return text[:1].upper() + text[1:]
