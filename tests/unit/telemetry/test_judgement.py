"""Judging one signal over a window: changes found wherever they are, quiet series stay quiet,
and a signal that cannot be judged says why."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.local.sample_metrics import SampleMetricsSource, deploy_time
from shared.telemetry.analysis import headline
from shared.telemetry.judgement import judge, judge_all
from shared.telemetry.models import Event, Finding, Judgement, ResourceKind, Signal, Verdict
from shared.telemetry.queries import signal_series
from tests.support import service_of
from tests.support.series import T0, Points, noisy, shifted


@st.composite
def _windows(draw: st.DrawFn) -> dict[str, int]:
    """A window of 30 min to 3 days at a one- or five-minute step, with 0 to 4 h of data before
    it (often none or too little: the baseline must then come from the window's start)."""
    minutes = draw(st.integers(30, 3 * 1440))
    step = draw(st.sampled_from([1, 5] if minutes >= 300 else [1]))
    return {
        "step": step,
        "inside": minutes // step,
        "before": draw(st.sampled_from([0, 5, 19, 20, 240 // step])),
        "seed": draw(st.integers(0, 10_000)),
    }


def _judge_change(window: dict[str, int], signal: Signal, data: st.DataObject) -> None:
    step, before, inside = window["step"], window["before"], window["inside"]
    total = before + inside + 1
    level = data.draw(st.floats(0.5, 5000), label="level")
    noise = data.draw(st.floats(0.0, 0.1), label="noise")
    up = signal is not Signal.TRAFFIC or data.draw(st.booleans(), label="up")
    factor = data.draw(st.floats(3, 20) if up else st.floats(0.05, 1 / 3), label="factor")
    first = data.draw(st.integers(max(before, 20), total - 10), label="onset")
    spike = data.draw(st.booleans(), label="spike")
    last = data.draw(st.integers(first + 10, total), label="end") if spike else total
    points = shifted(
        noisy(total, step=step, level=level, noise=noise, seed=window["seed"]),
        first,
        last,
        factor,
    )
    start = T0 + timedelta(minutes=step * before)
    end = start + timedelta(minutes=step * inside)
    verdict, finding = judge(signal, points, start=start, end=end, step=60)
    assert verdict.judgement is Judgement.CHANGED, verdict
    assert finding is not None
    assert abs((finding.onset - points[first][0]) / timedelta(minutes=step)) <= 2
    assert (finding.ratio > 2) if up else (finding.ratio < 0.5)
    if last <= total - 3:  # it came back inside the window: a transient change, by its extreme
        assert finding.end is not None
        assert abs((finding.end - points[last][0]) / timedelta(minutes=step)) <= 2


@settings(max_examples=30, deadline=None, derandomize=True)
@given(window=_windows(), data=st.data())
def test_a_rise_of_3x_for_10_points_is_found_at_its_onset_in_any_window(
    window: dict[str, int], data: st.DataObject
) -> None:
    # GIVEN an error rate that rises ≥3× for ≥10 points anywhere in a window of 30 min to 3 days
    # WHEN it is judged THEN it changed, from within 2 points of the true onset
    _judge_change(window, Signal.ERROR_RATE, data)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(window=_windows(), data=st.data())
def test_a_traffic_drop_to_a_fifth_or_a_surge_is_found_at_its_onset_in_any_window(
    window: dict[str, int], data: st.DataObject
) -> None:
    _judge_change(window, Signal.TRAFFIC, data)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    window=_windows(),
    level=st.floats(0.5, 5000),
    noise=st.floats(0.0, 0.1),
    signal=st.sampled_from(list(Signal)),
)
def test_a_noisy_but_stationary_series_stays_quiet(
    window: dict[str, int], level: float, noise: float, signal: Signal
) -> None:
    step, before, inside = window["step"], window["before"], window["inside"]
    points = noisy(before + inside + 1, step=step, level=level, noise=noise, seed=window["seed"])
    start = T0 + timedelta(minutes=step * before)
    verdict, finding = judge(
        signal, points, start=start, end=start + timedelta(minutes=step * inside), step=60
    )
    assert finding is None
    assert verdict.judgement is Judgement.STEADY, verdict


def test_a_traffic_drop_that_recovers_is_reported_by_its_trough_and_duration() -> None:
    # GIVEN traffic at 1,000 req/min that falls to 200 for 30 minutes inside a 2-hour window
    start = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)
    points = noisy(6 * 60, step=1, level=1000, noise=0.02, seed=7, start=start - timedelta(hours=4))
    dip = 4 * 60 + 68  # 21:38
    points = shifted(points, dip, dip + 30, 0.2)
    # WHEN it is judged
    verdict, finding = judge(
        Signal.TRAFFIC,
        points,
        start=start,
        end=start + timedelta(hours=2),
        step=60,
        unit=" req/min",
    )
    # THEN the change is the trough, with its start, end and duration, not the median after it
    assert verdict.judgement is Judgement.CHANGED
    assert finding is not None
    assert finding.end == datetime(2026, 11, 22, 22, 8, tzinfo=UTC)
    assert 0.18 < finding.ratio < 0.22
    assert (
        headline(finding) == "traffic fell to 0.2× baseline for 30 min, 21:38–22:08 UTC, recovered"
    )
    assert "req/min" in finding.evidence
    assert "traffic" not in finding.evidence  # the report and page put the name before it
    assert "anomaly score" not in finding.evidence
    assert "confidence" not in finding.evidence


def test_a_sustained_change_is_reported_by_its_level_after_the_onset() -> None:
    points = noisy(300, step=1, level=1.0, noise=0.05, seed=3)
    points = shifted(points, 270, 300, 13.0)
    _, finding = judge(
        Signal.ERROR_RATE, points, start=points[60][0], end=points[-1][0], step=60, unit="%"
    )
    assert finding is not None
    assert finding.end is None
    assert 12 < finding.ratio < 14
    assert finding.evidence.startswith("13.")
    assert "% → 1" in finding.evidence
    assert f"since {points[270][0]:%H:%M} UTC" in finding.evidence


def test_a_change_lines_up_with_the_deploy_before_it_not_with_the_alert_it_set_off() -> None:
    points = shifted(noisy(300, step=1, level=1.0, noise=0.05, seed=3), 270, 300, 13.0)
    onset = points[270][0]
    deploy = Event(time=onset - timedelta(minutes=20), kind="deploy", summary="deploy v42")
    firing = Event(time=onset - timedelta(minutes=1), kind="alert", summary="alert fired errors")
    _, finding = judge(
        Signal.ERROR_RATE,
        points,
        start=points[60][0],
        end=points[-1][0],
        step=60,
        events=[deploy, firing],
    )
    assert finding is not None
    assert finding.near == deploy
    assert headline(finding).endswith("20 min after deploy v42")


def test_a_change_with_few_points_says_it_is_weak_evidence() -> None:
    points = shifted(noisy(100, step=1, level=300, noise=0.02, seed=5), 96, 100, 4.0)
    _, finding = judge(Signal.P99_LATENCY, points, start=points[40][0], end=points[-1][0], step=60)
    assert finding is not None
    assert finding.evidence.endswith("weak evidence: 4 points of the 10 that settle a change")


def test_a_window_with_nothing_before_it_is_judged_against_its_earliest_points_and_says_so() -> (
    None
):
    points = shifted(noisy(120, step=1, level=300, noise=0.03, seed=9), 90, 120, 5.0)
    verdict, finding = judge(
        Signal.P99_LATENCY, points, start=points[0][0], end=points[-1][0], step=60
    )
    assert finding is not None
    assert finding.onset == points[90][0]
    assert verdict.baseline_start == points[0][0]
    assert verdict.baseline_points == 20
    assert "the 4 h before the window had no data: judged against the earliest 20" in verdict.note


def test_signals_that_cannot_be_judged_say_why() -> None:
    start = T0 + timedelta(hours=4)
    end = start + timedelta(hours=2)
    few = noisy(12, step=1, level=5, noise=0.1, seed=1, start=start)
    gappy = noisy(240 + 50, step=1, level=5, noise=0.1, seed=2)
    series = {Signal.TRAFFIC: few, Signal.SATURATION: gappy}
    verdicts, findings = judge_all(
        series,
        [Signal.ERROR_RATE, Signal.TRAFFIC, Signal.SATURATION],
        start=start,
        end=end,
        step=60,
        events=[],
    )
    assert findings == []
    states = {v.signal: v for v in verdicts}
    assert states[Signal.ERROR_RATE].judgement is Judgement.NO_DATA
    assert states[Signal.TRAFFIC].judgement is Judgement.SHORT_BASELINE
    assert (states[Signal.TRAFFIC].window_points, states[Signal.TRAFFIC].needed_points) == (12, 20)
    assert states[Signal.SATURATION].judgement is Judgement.PARTIAL
    assert (states[Signal.SATURATION].window_points, states[Signal.SATURATION].expected_points) == (
        50,
        120,
    )


def test_with_the_sample_and_a_30_minute_window_each_onset_is_where_it_happened() -> None:
    # GIVEN the sample incident, whose deploy is 40 min before the end: it began before the window
    end = datetime(2026, 11, 22, 23, 9, tzinfo=UTC)
    start = end - timedelta(minutes=30)
    service = service_of(ResourceKind.SAMPLE, "checkout", "checkout-api")
    series = signal_series(
        SampleMetricsSource(), service, start=start - timedelta(hours=4), end=end, step=60
    )
    # WHEN it is judged over the last 30 minutes
    _, findings = judge_all(series, service.queries, start=start, end=end, step=60, events=[])
    # THEN each onset is where the signal moved (saturation 22:31), not the window's start (22:39)
    onsets = {f.signal: f.onset for f in findings}
    deploy = deploy_time(end)
    assert onsets[Signal.SATURATION] == deploy + timedelta(minutes=2)
    assert onsets[Signal.P99_LATENCY] == deploy + timedelta(minutes=3)
    assert onsets[Signal.ERROR_RATE] == deploy + timedelta(minutes=4)
    assert Signal.TRAFFIC not in onsets


def test_traffic_low_in_its_last_two_minutes_only_is_not_a_fall() -> None:
    # GIVEN traffic whose last two minutes read half (a provider's latest counts arrive late)
    points = shifted(noisy(300, step=1, level=1000, noise=0.02, seed=4), 298, 300, 0.5)
    # WHEN its last two hours are judged
    verdict, finding = judge(
        Signal.TRAFFIC, points, start=points[180][0], end=points[-1][0], step=60
    )
    # THEN it is steady: two late minutes are not an outage
    assert finding is None
    assert verdict.judgement is Judgement.STEADY


def test_traffic_down_since_before_a_short_window_is_a_fall() -> None:
    # GIVEN traffic at a fifth for its last 30 minutes, and a window of its last 2 minutes
    points = shifted(noisy(300, step=1, level=1000, noise=0.02, seed=4), 270, 300, 0.2)
    # WHEN that window is judged
    _, finding = judge(Signal.TRAFFIC, points, start=points[298][0], end=points[-1][0], step=60)
    # THEN the fall is found where it began, before the window
    assert finding is not None
    assert finding.onset == points[270][0]
    assert finding.ratio < 0.25


def _errors_read_from_4h_before(points: Points, start: datetime) -> tuple[Verdict, Finding | None]:
    """Error rate judged from `start` to the last point, read from 4 h before the window."""
    return judge(
        Signal.ERROR_RATE,
        points,
        start=start,
        end=points[-1][0],
        step=60,
        read_from=start - timedelta(hours=4),
    )


def test_a_fall_from_data_that_began_late_in_the_hours_before_the_window_is_a_change() -> None:
    # GIVEN errors at 3% from the data's first point, falling to 0.3% 40 minutes on, and a
    # window from 30 minutes on: the 4 h before it were read, but had data only in their end
    points = shifted(noisy(120, step=1, level=3.0, noise=0.03, seed=4), 40, 120, 0.1)
    start = points[30][0]
    # WHEN it is judged knowing where the hours before the window begin
    verdict, finding = _errors_read_from_4h_before(points, start)
    # THEN the fall is reported, not "steady", and the note says why the baseline is suspect
    assert verdict.judgement is Judgement.CHANGED
    assert finding is not None
    assert finding.onset == points[40][0]
    assert finding.current < finding.baseline / 5
    assert verdict.note.startswith("the 4 h before the window had data only in 00:00–00:29 UTC")
    assert "a fall from them counted too" in verdict.note


def test_a_fall_in_errors_after_a_full_baseline_is_still_good_news_not_a_change() -> None:
    # GIVEN the same fall, with data through the whole 4 h before the window
    points = shifted(noisy(300, step=1, level=3.0, noise=0.03, seed=4), 260, 300, 0.1)
    verdict, finding = _errors_read_from_4h_before(points, points[250][0])
    assert (verdict.judgement, finding, verdict.note) == (Judgement.STEADY, None, "")


@settings(max_examples=60, deadline=None)
@given(
    level=st.floats(50, 5000),
    noise=st.floats(0.0, 0.1),
    at=st.integers(0, 115),
    seed=st.integers(0, 10_000),
)
def test_traffic_that_stops_for_two_minutes_is_found_wherever_it_is(
    level: float, noise: float, at: int, seed: int
) -> None:
    # GIVEN traffic of 50 to 5,000 a minute that is zero for two minutes inside a 2-hour window
    points = noisy(6 * 60, step=1, level=level, noise=noise, seed=seed)
    start = T0 + timedelta(hours=4)
    gone = 4 * 60 + at
    points = shifted(points, gone, gone + 2, 0.0)
    # WHEN it is judged, THEN the stop is a change at its minute, weak for its length
    verdict, finding = judge(
        Signal.TRAFFIC, points, start=start, end=start + timedelta(hours=2), step=60
    )
    assert verdict.judgement is Judgement.CHANGED, verdict
    assert finding is not None and finding.onset == points[gone][0]
    assert finding.current == 0 and finding.confidence < 1


@settings(max_examples=60, deadline=None)
@given(level=st.floats(0.5, 8), seed=st.integers(0, 10_000))
def test_a_quiet_count_whose_minutes_are_often_zero_stays_quiet(level: float, seed: int) -> None:
    # GIVEN a quiet function's invocations: a count a minute around `level`, zero by chance
    # (two or more zeros in a row are common)
    rng = random.Random(seed)
    points = [
        (T0 + timedelta(minutes=i), float(sum(rng.random() < level / 20 for _ in range(20))))
        for i in range(6 * 60)
    ]
    start = T0 + timedelta(hours=4)
    # WHEN it is judged, THEN its zeros are no outage (a busy last minute may be a weak rise:
    # the window's last points above the margin are never steady)
    _, finding = judge(Signal.TRAFFIC, points, start=start, end=start + timedelta(hours=2), step=60)
    assert finding is None or finding.current > finding.baseline, finding


def test_latency_that_collapsed_before_the_window_is_still_said_as_a_fall() -> None:
    # GIVEN p99 at 200 ms for hours, then at 20 ms (a service failing fast) from 25, 40 or 60
    # minutes before a 1-hour window, and still there
    start = T0 + timedelta(hours=4)
    for before in (25, 40, 60):
        points = shifted(noisy(300, level=200, noise=0.03, seed=1), 240 - before, 300, 0.1)
        verdict, finding = judge(
            Signal.P99_LATENCY,
            points,
            start=start,
            end=start + timedelta(hours=1),
            step=60,
            read_from=T0,
            unit="ms",
        )
        # THEN the collapse is said (not counted), never judged against the collapsed level
        assert finding is None
        assert verdict.fall.startswith("fell to 0.1× baseline since "), (before, verdict)
        assert "ended" not in verdict.note, verdict.note
