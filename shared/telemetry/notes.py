"""What a person must know about a verdict, worded from the parts stored on it: for the report's
reader (a time of that day undated) or the page's (every time dated)."""

from __future__ import annotations

from datetime import datetime

from shared.telemetry.models import NoteKind, Verdict
from shared.times import moment, period


def note_of(verdict: Verdict, *, today: datetime | None = None, days: bool | None = None) -> str:
    """The verdict's note worded from its fields, its period dated unless of the day of `today`
    (or as `days` says); a note stored before its fields were is said as it was written."""
    start, end = verdict.baseline_start, verdict.baseline_end
    if verdict.note_kind is not NoteKind.BORROWED_BASELINE or start is None or end is None:
        return verdict.note
    return (
        f"the 4 h before the window {_had(verdict.points_before)}: judged against the earliest "
        f"{verdict.baseline_points} points, {period(start, end, today=today, days=days)}"
    )


def late_data_note(start: datetime, end: datetime, points: int, *, today: datetime) -> str:
    """The note of a baseline whose data began late in the hours before the window (stored as
    written: a release before this one reads it as any note, where a new kind would not parse)."""
    return (
        f"the 4 h before the window had data only in {period(start, end, today=today)}: judged "
        f"against those {points} points, a fall from them counted too (they may be the incident)"
    )


def changed_baseline_note(
    start: datetime, end: datetime, changed_at: datetime, *, today: datetime
) -> str:
    """The note of a baseline cut where a change that lasts into the window began inside the
    hours before it (stored as written, as `late_data_note`)."""
    return (
        f"the 4 h before the window hold a change that began {moment(changed_at, today=today)}: "
        f"judged against their level before it, {period(start, end, today=today)}"
    )


def older_baseline_note(
    start: datetime, end: datetime, points: int, within: int, *, today: datetime
) -> str:
    """The note of a baseline read from before the hours before the window, which held only
    `within` points (stored as written, as `late_data_note`)."""
    return (
        f"the 4 h before the window {_had(within)}: judged against the last {points} points "
        "before it, "
        f"{period(start, end, today=today)}"
    )


def recovered_baseline_note(
    start: datetime, end: datetime, recovered_at: datetime, *, today: datetime
) -> str:
    """The note of a baseline cut where a signal came back down inside the hours before the
    window (stored as written, as `late_data_note`)."""
    return (
        f"the 4 h before the window hold a change that ended {moment(recovered_at, today=today)}:"
        f" judged against their level since, {period(start, end, today=today)}"
    )


def _had(points: int) -> str:
    """`had 4 points`, `had 1 point`, `had no data`."""
    return f"had {points} point{'s' if points != 1 else ''}" if points else "had no data"
