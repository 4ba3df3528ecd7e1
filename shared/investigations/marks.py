"""What an investigation's chart marks on each signal's panel, and how the page words it: the
deploys, the baseline period, the change (its onset, or its span when it was transient)."""

from __future__ import annotations

from datetime import datetime

from shared.investigations.models import Investigation
from shared.records import Frozen
from shared.telemetry.events import kind_of
from shared.telemetry.models import Event, Finding, Signal, Verdict
from shared.telemetry.queries import UNITS
from shared.times import clock, period

DEPLOY = "deploy"


class Marks(Frozen):
    """One signal's panel: its points, its unit, and what is drawn over them."""

    signal: Signal
    points: list[tuple[datetime, float]]
    start: datetime
    end: datetime
    """The plotted range: the window, and any point kept outside it."""
    unit: str
    deploys: list[Event]
    baseline_start: datetime | None = None
    baseline_end: datetime | None = None
    baseline_level: float | None = None
    change_start: datetime | None = None
    change_end: datetime | None = None
    """Set when the change was transient: the signal was back within its baseline then."""

    @property
    def baseline_shown(self) -> bool:
        """Whether the baseline period overlaps the plotted window (then it is shaded)."""
        if self.baseline_start is None or self.baseline_end is None:
            return False
        return self.baseline_start < self.end and self.baseline_end > self.start

    @property
    def shown_deploys(self) -> list[Event]:
        """The deploys inside the plotted window (drawn as lines)."""
        return [d for d in self.deploys if self.start <= d.time <= self.end]


def deploys(investigation: Investigation) -> list[Event]:
    """The deploys a change lines up with, and the first deploy the report listed; by time."""
    near = [f.near for f in investigation.findings if f.near and kind_of(f.near) == DEPLOY]
    # a metrics file's `event` column (`deploy v5 of web`) is a deploy as the report ranks it
    listed = [e for e in investigation.events if kind_of(e) == DEPLOY][:1]
    unique = {(e.time, e.summary): e for e in [*near, *listed]}
    return sorted(unique.values(), key=lambda e: e.time)


def _axis_unit(investigation: Investigation, signal: Signal) -> str:
    """How the signal's values read: ms, %, req/min (investigations read one-minute steps, so
    traffic's sums are per minute), saturation in its resource's unit (`units_of`)."""
    return investigation.units.get(signal, UNITS[signal]).strip()


def _verdict(investigation: Investigation, signal: Signal) -> Verdict | None:
    return next((v for v in investigation.verdicts if v.signal is signal), None)


def _finding(investigation: Investigation, signal: Signal) -> Finding | None:
    return next((f for f in investigation.findings if f.signal is signal), None)


def marks_for(investigation: Investigation, signal: Signal) -> Marks:
    """The panel of one signal of an investigation."""
    points = investigation.series.get(signal, [])
    verdict = _verdict(investigation, signal)
    finding = _finding(investigation, signal)
    return Marks(
        signal=signal,
        points=points,
        start=min([investigation.start, *(t for t, _ in points[:1])]),
        end=max([investigation.end, *(t for t, _ in points[-1:])]),
        unit=_axis_unit(investigation, signal),
        deploys=deploys(investigation),
        baseline_start=verdict.baseline_start if verdict else None,
        baseline_end=verdict.baseline_end if verdict else None,
        baseline_level=finding.baseline if finding else None,
        change_start=finding.onset if finding else None,
        change_end=finding.end if finding else None,
    )


def charted(investigation: Investigation) -> list[Signal]:
    """The signals with points to draw, in the order the page lists them."""
    return [s for s in ordered(investigation) if investigation.series.get(s)]


def ordered(investigation: Investigation) -> list[Signal]:
    """Every signal the investigation read or judged, in the catalogue's order."""
    known = {*investigation.series, *(v.signal for v in investigation.verdicts)}
    known |= {f.signal for f in investigation.findings}
    return [s for s in Signal if s in known]


def caption(marks: Marks) -> str:
    """What the panel marks, in words (the page's figure caption), every time with its date:
    the page is read any day."""
    parts: list[str] = []
    if marks.baseline_start and marks.baseline_end:
        where = "shaded" if marks.baseline_shown else "before the chart"
        when = period(marks.baseline_start, marks.baseline_end, days=True)
        parts.append(f"Baseline {when} ({where})")
    for deploy in marks.deploys:
        where = "" if deploy in marks.shown_deploys else ", before the chart"
        what = deploy.summary[:1].upper() + deploy.summary[1:]
        parts.append(f"{what} at {clock(deploy.time, days=True)} UTC{where}")
    if marks.change_start and marks.change_end:
        when = period(marks.change_start, marks.change_end, days=True)
        parts.append(f"Change {when}, then recovered")
    elif marks.change_start:
        where = ", before the chart" if marks.change_start < marks.start else ""
        parts.append(f"Change from {clock(marks.change_start, days=True)} UTC{where}")
    return ". ".join(parts) + ("." if parts else "")
