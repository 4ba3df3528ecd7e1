"""How the page words each signal's state: changed, steady, or why it could not be judged; never
"no change" for a signal that was not judged. The page is read any day: every time has its date."""

from __future__ import annotations

from shared.investigations.coverage import fell, missing, reason
from shared.investigations.models import Investigation
from shared.replies import counted
from shared.telemetry.models import Finding, Judgement, Signal, Verdict
from shared.telemetry.notes import note_of
from shared.telemetry.queries import unit_of
from shared.telemetry.wording import evidence as worded
from shared.telemetry.wording import fallen
from shared.times import period


def evidence(finding: Finding) -> str:
    """The finding in words without the signal's name in front (the page shows it once), every
    time with its date: the page is read any day."""
    return worded(finding, unit_of(finding), dated=True)


def _baseline(verdict: Verdict) -> str:
    if verdict.baseline_start and verdict.baseline_end:
        when = period(verdict.baseline_start, verdict.baseline_end, days=True)
        return f" of {when} ({counted(verdict.baseline_points, 'point')})"
    return f" ({counted(verdict.baseline_points, 'point')})" if verdict.baseline_points else ""


def state(investigation: Investigation, verdict: Verdict) -> str:
    """One line for a signal's verdict, as the page shows it under the signal's name."""
    kind = verdict.judgement
    finding = next((f for f in investigation.findings if f.signal is verdict.signal), None)
    if kind is Judgement.CHANGED:
        text = f"changed: {evidence(finding)}" if finding else "changed"
        text += f"; {gaps}" if (gaps := missing(verdict, days=True)) else ""
    elif kind is Judgement.STEADY and verdict.fall:
        collapse = verdict.collapse
        said = fallen(collapse, unit_of(collapse), dated=True) if collapse else verdict.fall
        text = f"{said}; not counted as a change"
    elif kind is Judgement.STEADY:
        text = f"steady: within its baseline{_baseline(verdict)}"
    else:
        window = period(investigation.start, investigation.end, days=True)
        text = reason(verdict, window, days=True)
        text = f"not judged, {text}" if kind is Judgement.SHORT_BASELINE else text
    return f"{text}. {note_of(verdict, days=True)}".strip() if verdict.note else text


def _why(verdict: Verdict) -> str:
    if verdict.judgement is Judgement.SHORT_BASELINE:
        return f"not enough baseline ({verdict.baseline_points} of {verdict.needed_points} points)"
    if verdict.judgement is Judgement.PARTIAL:
        gaps = missing(verdict, days=True)
        return (
            f"partial data ({verdict.window_points} of {verdict.expected_points} points"
            f"{f'; {gaps}' if gaps else ''})"
        )
    return str(verdict.judgement.value)


def _grouped(verdicts: list[Verdict]) -> str:
    """`no data for error rate, p99 latency; not enough baseline (…) for traffic`."""
    groups: dict[str, list[Signal]] = {}
    for verdict in verdicts:
        groups.setdefault(_why(verdict), []).append(verdict.signal)
    return "; ".join(
        f"{why} for {', '.join(s.label for s in signals)}" for why, signals in groups.items()
    )


def unjudged(investigation: Investigation) -> list[Verdict]:
    """The verdicts that are not judgements (no data, short baseline, partial data)."""
    return [v for v in investigation.verdicts if not v.judgement.judged]


def cannot_judge(investigation: Investigation) -> str | None:
    """What the page says first when not one signal could be judged; None otherwise."""
    if not investigation.verdicts or len(unjudged(investigation)) < len(investigation.verdicts):
        return None
    when = period(investigation.start, investigation.end, days=True)
    return f"Cannot judge {investigation.service}: {_grouped(unjudged(investigation))} in {when}."


def without_findings(investigation: Investigation) -> str:
    """What the findings list says when it is empty: "no change" only for what was judged."""
    if not investigation.verdicts:
        return "No significant change."  # stored before verdicts existed: as it was shown then
    missing = unjudged(investigation)
    fallen = fell(investigation.verdicts)
    if not missing and fallen:
        return f"No significant change; {', '.join(fallen)} fell (a fall is not counted)."
    if not missing:
        return "No significant change: every signal stayed within its baseline."
    steady = [v.signal.label for v in investigation.verdicts if v.judgement is Judgement.STEADY]
    text = f"No change found in {', '.join(steady)}. " if steady else ""
    return f"{text}Not judged: {_grouped(missing)}."


def not_judged(investigation: Investigation) -> str:
    """Said after the findings: the signals that could not be judged, if any (else "")."""
    missing = unjudged(investigation)
    return f"Not judged: {_grouped(missing)}." if missing and investigation.findings else ""
