"""A verdict's note is stored as parts and worded for its reader: the report's day undated, the
page's every time dated; a note stored before its parts is said as it was written."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from shared.telemetry.judgement import judge
from shared.telemetry.models import Judgement, NoteKind, Signal, Verdict
from shared.telemetry.notes import note_of

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _borrowed() -> Verdict:
    """Traffic of a window whose 4 h before had 5 points: judged against its earliest 20."""
    rng = random.Random(3)
    points = [(T0 + timedelta(minutes=i), 300 * (1 + rng.gauss(0, 0.03))) for i in range(65)]
    verdict, _ = judge(Signal.TRAFFIC, points, start=points[5][0], end=points[-1][0], step=60)
    return verdict


def test_a_borrowed_baseline_keeps_the_parts_of_its_note() -> None:
    # Given a window judged against its earliest points
    verdict = _borrowed()

    # Then the verdict keeps what the note says, and the report's words are those parts
    assert verdict.judgement is Judgement.STEADY
    assert verdict.note_kind is NoteKind.BORROWED_BASELINE
    assert verdict.points_before == 5
    assert verdict.note == (
        "the 4 h before the window had 5 points: judged against the earliest 20 points, "
        "06:00\N{EN DASH}06:19 UTC"
    )


def test_the_note_is_worded_for_the_page_with_its_date() -> None:
    # Given the same verdict, read on the page (any day)
    worded = note_of(_borrowed(), days=True)

    # Then its period carries its date
    assert worded.endswith(
        "judged against the earliest 20 points, Fri 20 Nov 06:00\N{EN DASH}06:19 UTC"
    )


def test_a_note_stored_before_its_parts_is_said_as_written() -> None:
    # Given an older verdict with its note only
    older = Verdict(signal=Signal.TRAFFIC, judgement=Judgement.STEADY, note="borrowed baseline")

    # Then the note is said as it was written, wherever it is read
    assert note_of(older, days=True) == "borrowed baseline"
    assert Verdict.model_validate(older.model_dump(mode="json")).note_kind is None
