"""A window whose data stops, or has a long hole (an outage written as missing rows, as the README
tells users to write no data), is partial data with the span said: never steady, however many
points the rest of it has (issue 12, item 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.telemetry.judgement import judge
from shared.telemetry.models import Finding, Gap, Judgement, Signal, Verdict
from tests.support.series import T0, Points, noisy, shifted

WINDOW = 4 * 60
"""The window's first index: four hours of data before it."""


def _judged(points: Points, minutes: int = 120) -> tuple[Verdict, Finding | None]:
    start = T0 + timedelta(minutes=WINDOW)
    return judge(
        Signal.ERROR_RATE, points, start=start, end=start + timedelta(minutes=minutes), step=60
    )


@pytest.mark.parametrize(("stopped", "minutes"), [(20, 120), (280, 24 * 60)])
def test_data_that_stops_before_the_window_ends_is_partial_with_when_it_stopped(
    stopped: int, minutes: int
) -> None:
    # GIVEN steady errors whose rows stop `stopped` minutes before the window's end (83% or
    # 81% of its points there: more than the 80% a window needs)
    total = WINDOW + minutes + 1 - stopped
    points = noisy(total, level=0.33, noise=0.05, seed=5)
    # WHEN the window is judged
    verdict, finding = _judged(points, minutes)
    # THEN it is partial data, saying since when there is none: never steady
    assert finding is None
    assert verdict.judgement is Judgement.PARTIAL, verdict
    assert verdict.missing == [Gap(start=points[-1][0])]


def test_an_outage_written_as_missing_rows_is_partial_with_its_span() -> None:
    # GIVEN steady errors with no rows for 20 minutes inside a 2-hour window
    points = noisy(WINDOW + 121, level=0.33, noise=0.05, seed=6)
    points = points[: WINDOW + 60] + points[WINDOW + 80 :]
    # WHEN the window is judged
    verdict, finding = _judged(points)
    # THEN it is partial data between the two points around the hole
    assert finding is None
    assert verdict.judgement is Judgement.PARTIAL, verdict
    assert verdict.missing == [Gap(start=points[WINDOW + 59][0], end=points[WINDOW + 60][0])]


def test_a_change_with_a_hole_in_its_window_keeps_the_hole() -> None:
    # GIVEN errors 10× from the window's 90th minute, and no rows in its minutes 30-50
    points = shifted(noisy(WINDOW + 121, level=0.33, noise=0.05, seed=7), WINDOW + 90, 10**6, 10)
    points = points[: WINDOW + 30] + points[WINDOW + 50 :]
    verdict, finding = _judged(points)
    # THEN the change is found, and the verdict keeps the span it could not see
    assert finding is not None
    assert verdict.judgement is Judgement.CHANGED
    assert verdict.missing == [Gap(start=points[WINDOW + 29][0], end=points[WINDOW + 30][0])]


def test_a_few_late_minutes_at_the_end_are_not_missing_data() -> None:
    # GIVEN data whose last 5 minutes have not arrived yet (a provider's latest lag)
    points = noisy(WINDOW + 116, level=0.33, noise=0.05, seed=8)
    verdict, _ = _judged(points)
    # THEN the window is judged steady, with nothing missing
    assert verdict.judgement is Judgement.STEADY
    assert verdict.missing == []
