"""An incident that began in the hours before the window and lasts into it: judged against the
level before it, never "steady" against itself, and said to have begun before the window
(narrowing the window is the first thing an on-call engineer does; issue 12, item 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.telemetry.analysis import headline
from shared.telemetry.judgement import judge
from shared.telemetry.models import Judgement, Signal
from tests.support.series import T0, noisy, shifted

BEFORE = 4 * 60
"""Points of the four hours before the window, at one a minute."""


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    onset=st.integers(BEFORE // 8, BEFORE - 1),
    window=st.integers(1, 3 * 60),
    factor=st.floats(3, 20),
    noise=st.floats(0, 0.1),
    spike=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_a_change_that_began_in_the_hours_before_the_window_is_found_where_it_began(
    onset: int, window: int, factor: float, noise: float, spike: bool, seed: int
) -> None:
    # GIVEN errors ≥3× from anywhere after the first half hour of the 4 h before the window,
    # lasting to its end (or, as a spike, back 10 points into it)
    total = BEFORE + window + 1
    last = BEFORE + min(10, window - 3) if spike and window > 13 else total
    points = shifted(noisy(total, level=1.0, noise=noise, seed=seed), onset, last, factor)
    start = points[BEFORE][0]
    # WHEN the window is judged, read from the 4 h before it
    verdict, finding = judge(
        Signal.ERROR_RATE,
        points,
        start=start,
        end=points[-1][0],
        step=60,
        read_from=start - timedelta(hours=4),
    )
    # THEN it changed, from within 2 points of where it began, before the window
    assert verdict.judgement is Judgement.CHANGED, verdict
    assert finding is not None
    assert abs((finding.onset - points[onset][0]) / timedelta(minutes=1)) <= 2, finding
    assert finding.ratio > 2
    assert finding.began_before
    assert "the change began before this window" in finding.evidence
    assert 0.5 < finding.baseline < 1.5  # the level before it, not the incident's


def test_a_window_inside_a_long_incident_names_the_level_it_left() -> None:
    # GIVEN errors at 0.33%, then 12× for the last 250 minutes, read for the default 2 h window
    # and the 4 h before it (130 minutes of which are the incident)
    points = shifted(noisy(360, level=0.33, noise=0.05, seed=21), 110, 360, 12.7)
    start = points[240][0]
    # WHEN the last two hours are judged
    verdict, finding = judge(
        Signal.ERROR_RATE,
        points,
        start=start,
        end=points[-1][0],
        step=60,
        read_from=start - timedelta(hours=4),
        unit="%",
    )
    # THEN the change is reported from where it began, against the level before it
    assert finding is not None
    assert headline(finding).startswith("error rate 12.")
    assert headline(finding).endswith(
        f"× baseline since {points[110][0]:%H:%M} UTC; the change began before this window"
    )
    assert verdict.note == (
        f"the 4 h before the window hold a change that began {points[110][0]:%H:%M} UTC: judged "
        f"against their level before it, {points[0][0]:%H:%M}–{points[109][0]:%H:%M} UTC"
    )


def test_a_ramp_through_the_hours_before_the_window_is_a_change() -> None:
    # GIVEN p99 latency at 180 ms that ramps to 2,000 ms over five hours, from an hour in
    points = noisy(360, level=180, noise=0.03, seed=8, start=T0)
    points = [(t, v + (1820 * (i - 60) / 300 if i >= 60 else 0)) for i, (t, v) in enumerate(points)]
    start = points[240][0]
    # WHEN its last two hours are judged
    verdict, finding = judge(Signal.P99_LATENCY, points, start=start, end=points[-1][0], step=60)
    # THEN it changed, from shortly after the ramp began, not "steady" against the ramp itself
    assert verdict.judgement is Judgement.CHANGED
    assert finding is not None
    assert points[60][0] <= finding.onset <= points[75][0]
    assert finding.ratio > 4


@pytest.mark.parametrize("hours_before", [1.5, 2.5, 3.5])
def test_a_change_hours_before_the_window_is_found_at_a_5_minute_step(hours_before: float) -> None:
    # GIVEN errors 6× from some hours before an hour's window, read every 5 minutes from 4 h
    # before it
    points = noisy(5 * 12 + 1, step=5, level=0.33, noise=0.05, seed=3)
    onset = 48 - round(hours_before * 12)
    points = shifted(points, onset, len(points), 6)
    start = points[48][0]
    # WHEN the window is judged
    verdict, finding = judge(
        Signal.ERROR_RATE,
        points,
        start=start,
        end=points[-1][0],
        step=300,
        read_from=start - timedelta(hours=4),
    )
    # THEN it changed where it began, before the window, against the level before it
    assert verdict.judgement is Judgement.CHANGED, verdict
    assert finding is not None
    assert finding.onset == points[onset][0], finding.evidence
    assert finding.began_before
    assert 0.3 < finding.baseline < 0.37
