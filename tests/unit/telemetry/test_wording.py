"""A finding in words, with no rounding that contradicts it: a tiny baseline keeps its digits,
a change of seconds is told in seconds, and a transient change that was about 12× with one
15× point says both (issue 12, item 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.telemetry.analysis import headline
from shared.telemetry.judgement import judge
from shared.telemetry.models import Finding, Signal
from shared.telemetry.wording import duration, fallen, fmt, summary
from tests.support.series import T0, noisy, shifted


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (0.0036, "0.0036"),
        (0.031, "0.031"),
        (0.33, "0.33"),
        (4.25, "4.25"),
        (1250, "1,250"),
        (0.00002, "2e-05"),
        (9e14, "900 trillion"),
        (1.234e12, "1.23 trillion"),
        (-2.5e9, "-2.5 billion"),
        (1e15, "1,000 trillion"),
        (3e20, "3e+20"),
        (0.0, "0"),
    ],
)
def test_a_value_keeps_two_significant_digits_below_one(value: float, written: str) -> None:
    assert fmt(value) == written


def test_a_tiny_error_rate_is_never_written_as_zero() -> None:
    # GIVEN an error rate of about 0.0037% that rises about 8× for the last half hour
    points = shifted(noisy(360, level=0.0037, noise=0.05, seed=2), 330, 360, 8.3)
    # WHEN its last two hours are judged
    _, finding = judge(
        Signal.ERROR_RATE, points, start=points[240][0], end=points[-1][0], step=60, unit="%"
    )
    # THEN both values are written with their digits, as the ratio between them says
    assert finding is not None
    assert "(0.0037% → 0.031%)" in finding.evidence, finding.evidence
    assert "(0% " not in finding.evidence


def test_a_change_of_30_seconds_is_told_in_seconds_with_its_times_to_the_second() -> None:
    # GIVEN errors read every 10 seconds, 12× for three rows (30 s) at 08:00:00
    points = noisy(6 * 360, level=0.33, noise=0.05, seed=3, seconds=10)
    at = 5 * 360  # 05:00:00
    points = shifted(points, at, at + 3, 12)
    # WHEN the hour around it is judged
    _, finding = judge(
        Signal.ERROR_RATE, points, start=points[at - 180][0], end=points[-1][0], step=60
    )
    # THEN it lasted 30 s, from 05:00:00 to 05:00:30: never "0 min, 05:00–05:00"
    assert finding is not None
    assert headline(finding).endswith("× baseline for 30 s, 05:00:00–05:00:30 UTC, recovered")


def test_a_transient_change_is_sized_by_its_typical_value_and_its_peak() -> None:
    # GIVEN p99 latency at about 12× for 40 minutes, one of them at 15×, then back
    points = shifted(noisy(360, level=180, noise=0.02, seed=4), 280, 320, 12)
    points[300] = (points[300][0], 15.1 * 180)
    # WHEN its last two hours are judged
    _, finding = judge(
        Signal.P99_LATENCY, points, start=points[240][0], end=points[-1][0], step=60, unit=" ms"
    )
    # THEN the change is told as about 12× with a peak of 15.1×, not as 15.1× throughout
    assert finding is not None
    assert headline(finding).startswith("p99 latency rose to ~12.0× baseline (peak 15.1×) for 40")
    assert "ms → ~2,16" in finding.evidence and "peak 2,718 ms)" in finding.evidence


def test_a_transient_change_whose_peak_is_its_level_is_sized_once() -> None:
    points = shifted(noisy(360, level=1000, noise=0.02, seed=7, start=T0), 280, 310, 0.2)
    _, finding = judge(Signal.TRAFFIC, points, start=points[240][0], end=points[-1][0], step=60)
    assert finding is not None
    assert headline(finding).startswith("traffic fell to 0.2× baseline for 30 min")
    assert (finding.onset, finding.end) == (points[280][0], points[310][0])


def test_a_change_from_0_is_told_by_its_values_and_its_peak_after_the_baseline() -> None:
    # GIVEN an error rate of 0 that is 0.5-0.6% for 7 minutes, then 0 again
    points = [(t, 0.0) for t, _ in noisy(360, level=1, noise=0, seed=1)]
    points[290:297] = [(t, 0.5 + 0.1 * (i % 2)) for i, (t, _) in enumerate(points[290:297])]
    # WHEN its last two hours are judged
    _, finding = judge(
        Signal.ERROR_RATE, points, start=points[240][0], end=points[-1][0], step=60, unit="%"
    )
    # THEN it rose from 0 (no ratio to tell), and its values name the peak after the baseline
    assert finding is not None
    assert headline(finding).startswith("error rate rose from 0 for 7 min, 04:50–04:57 UTC")
    assert "up from 0" not in headline(finding)
    assert "(0% → ~0.5%, peak 0.6%)" in finding.evidence or "(0% → peak 0.6%)" in (
        finding.evidence
    ), finding.evidence


def test_a_transient_change_gives_its_baseline_then_its_peak() -> None:
    points = shifted(noisy(360, level=0.33, noise=0.02, seed=2), 280, 290, 13.6)
    _, finding = judge(
        Signal.ERROR_RATE, points, start=points[240][0], end=points[-1][0], step=60, unit="%"
    )
    assert finding is not None
    assert "(0.33% → peak 4." in finding.evidence, finding.evidence


def test_a_change_that_keeps_getting_worse_gives_its_latest_level_too() -> None:
    # GIVEN p99 latency 1.5× from 07:30, then 10× for its last 10 minutes
    points = noisy(361, level=180, noise=0.03, seed=6, start=T0 + timedelta(hours=3))
    points = shifted(shifted(points, 270, 350, 1.5), 350, 361, 10)
    # WHEN 07:00-09:00 is judged
    _, finding = judge(
        Signal.P99_LATENCY, points, start=points[240][0], end=points[-1][0], step=60, unit=" ms"
    )
    # THEN it is told by its level since 07:30 and by its level now
    assert finding is not None
    assert headline(finding).startswith("p99 latency 1.5× baseline since 07:30 UTC, now ")
    assert 9 < (finding.latest or 0) / finding.baseline < 11
    assert f", now {fmt(finding.latest or 0)} ms)" in finding.evidence, finding.evidence


def test_a_ramp_still_climbing_gives_its_latest_level_too() -> None:
    # GIVEN p99 latency at 180 ms that climbs 10 ms a minute from 07:00 to the end (1,070 ms)
    points = noisy(330, level=180, noise=0.03, seed=6, start=T0 + timedelta(hours=3))
    points = [(t, v + max(0, i - 240) * 10) for i, (t, v) in enumerate(points)]
    # WHEN 07:00-08:30 is judged
    _, finding = judge(
        Signal.P99_LATENCY, points, start=points[240][0], end=points[-1][0], step=60, unit=" ms"
    )
    # THEN it is told by its middle level and by its level now (before: the middle alone, the
    # latest being less than twice as far from the baseline as the middle)
    assert finding is not None
    assert ", now " in finding.evidence, finding.evidence
    assert (finding.latest or 0) > 1000


def test_a_lasting_change_at_one_level_is_told_once() -> None:
    points = shifted(noisy(361, level=180, noise=0.03, seed=6), 270, 361, 3)
    _, finding = judge(Signal.P99_LATENCY, points, start=points[240][0], end=points[-1][0], step=60)
    assert finding is not None
    assert "now" not in finding.evidence


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (30, "30 s"),
        (70, "1 min 10 s"),
        (100, "1 min 40 s"),
        (600, "10 min"),
        (40 * 60, "40 min"),
        (210 * 60, "3 h 30 min"),
        (600 * 60, "10 h"),
        (50 * 3600, "2 d 2 h"),
        (72 * 3600, "3 d"),
    ],
)
def test_a_changes_duration_is_said_in_the_units_a_person_would_use(
    seconds: int, said: str
) -> None:
    assert duration(timedelta(seconds=seconds)) == said


def test_a_change_of_negative_values_is_said_as_a_difference_without_to() -> None:
    # GIVEN a signed saturation offset that fell from -40 to -202 for 30 minutes
    change = Finding(
        signal=Signal.SATURATION,
        onset=T0,
        baseline=-40.0,
        current=-202.0,
        confidence=1.0,
        evidence="",
        end=T0 + timedelta(minutes=30),
    )
    # THEN it fell 162 below its baseline (not "fell to 162 below"), as a lasting one would
    assert summary(change, T0).startswith("fell 162 below baseline for 30 min, ")
    lasting = change.model_copy(update={"end": None})
    assert fallen(lasting, "%", T0).startswith("fell 162 below baseline since ")
