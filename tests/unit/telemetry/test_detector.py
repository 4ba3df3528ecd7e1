"""The online anomaly detector: its contract (NAB's), online-ness, quiet on clean data, and hits."""

from __future__ import annotations

import csv
import io
import math
import random
from pathlib import Path

import pytest

from bots.cli import main
from shared.telemetry.detector import DetectorSettings, score_series
from shared.telemetry.series import read_csv

NAB = Path(__file__).resolve().parents[4] / "shared" / "nab" / "data"


def _daily(days: int, *, per_day: int = 288, noise: float = 1.0, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    return [
        50 + 20 * math.sin(2 * math.pi * (i % per_day) / per_day) + rng.gauss(0, noise)
        for i in range(days * per_day)
    ]


def test_a_rows_score_depends_only_on_the_rows_up_to_it() -> None:
    values = _daily(6)
    full = score_series(values, period=288)
    for cut in (500, 1000, 1700):
        assert score_series(values[:cut], period=288) == full[:cut]


def test_scores_are_between_zero_and_one() -> None:
    scores = score_series(_daily(5, noise=5.0), period=288)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_a_clean_seasonal_stream_stays_quiet_and_a_level_shift_is_found_at_once() -> None:
    # GIVEN five quiet days of a daily pattern, then a jump of ten times the noise
    values = _daily(6)
    shift_at = 5 * 288 + 100
    values[shift_at:] = [v + 10 for v in values[shift_at:]]
    scores = score_series(values, period=288)
    # THEN nothing before the jump scores like it, and the jump scores high within a few rows
    assert max(scores[300:shift_at]) < 0.99
    assert max(scores[shift_at : shift_at + 10]) > 0.99


def test_the_daily_pattern_itself_is_not_an_anomaly() -> None:
    scores = score_series(_daily(6, noise=0.5), period=288)
    assert sum(s >= 0.99 for s in scores[300:]) <= 3


def test_the_period_is_read_from_the_timestamps() -> None:
    with (NAB / "realAdExchange" / "exchange-2_cpc_results.csv").open() as handle:
        hourly = read_csv(handle)
    with (NAB / "artificialNoAnomaly" / "art_daily_small_noise.csv").open() as handle:
        five_minutely = read_csv(handle)
    assert (hourly.period(), five_minutely.period()) == (24, 288)


def test_sre_analyze_anomalies_follows_the_nab_contract(capsys: pytest.CaptureFixture[str]) -> None:
    source = NAB / "realTraffic" / "speed_6005.csv"
    assert main(["analyze", "anomalies", str(source)]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    with source.open() as handle:
        original = list(csv.reader(handle))
    assert rows[0] == ["timestamp", "value", "anomaly_score"]
    assert len(rows) == len(original)
    assert [r[:2] for r in rows[1:]] == original[1:]
    assert all(0.0 <= float(r[2]) <= 1.0 for r in rows[1:])


def test_a_bad_file_gets_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,reading\n1,2\n")
    assert main(["analyze", "anomalies", str(bad)]) == 1
    assert "must name the columns timestamp and value" in capsys.readouterr().err
    assert main(["analyze", "anomalies"]) == 2
    # AND a --column the file does not have is said so, with those it has (before: "must name
    # the columns timestamp and nope …: name one with --column", to one who had)
    several = tmp_path / "several.csv"
    several.write_text("timestamp,p99_latency,error_rate\n2026-11-22T09:00Z,300,1\n")
    capsys.readouterr()
    assert main(["analyze", "anomalies", str(several), "--column", "nope"]) == 1
    said = capsys.readouterr().err
    assert f"{several} has no column `nope`; its columns are p99_latency, error_rate" in said


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_sudden_jump_in_a_wandering_stream_is_found(seed: int) -> None:
    # GIVEN a random walk (its level wanders far, its steps stay small), then a jump of 40 steps
    rng = random.Random(seed)
    values, value = [], 100.0
    for _ in range(3000):
        value += rng.gauss(0, 1)
        values.append(value)
    values[2500:] = [v + 40 for v in values[2500:]]
    # THEN the jump scores as an anomaly within a few rows, though the level alone hides it
    assert max(score_series(values)[2500:2505]) > 0.98


def test_one_event_raises_one_alarm_not_a_run_of_them() -> None:
    # GIVEN a quiet daily stream whose level jumps for 150 rows (one event), then comes back
    values = _daily(6, noise=1.0, seed=11)
    start = 5 * 288
    values[start : start + 150] = [v + 15 for v in values[start : start + 150]]
    scores = score_series(values, period=288)
    # THEN it alarms in its first rows, and neither its later rows nor its end alarm again
    alarms = [i - start for i, s in enumerate(scores) if s >= 0.99 and i >= start]
    assert alarms and alarms[0] <= 3
    assert all(i < 5 or i > 350 for i in alarms)


def test_within_the_quiet_rows_only_a_higher_score_counts() -> None:
    # GIVEN a noisy stream with spikes of growing size
    rng = random.Random(3)
    values = [rng.gauss(100, 5) for _ in range(3000)]
    for k, at in enumerate(range(1000, 2900, 40)):
        values[at] += 10 + 2 * k
    settings = DetectorSettings(quiet=200)
    scores = score_series(values, settings=settings)
    # THEN every score kept within 200 rows of another is higher than it (the rest are 0)
    for j, later in enumerate(scores):
        if later > 0:
            assert all(later > earlier for earlier in scores[max(0, j - 199) : j])


FIVE_MINUTES_A_DAY = 288
PROBATION = 605  # NAB's first 15% of a 14-day file at 5-minute steps: nothing is scored there


def _requests(rng: random.Random, rate: float) -> float:
    """A Poisson count (Knuth's method): requests in one 5-minute step."""
    limit, count, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return float(count)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_burst_of_requests_alarms_once_and_not_again_at_the_same_time_the_next_day(
    seed: int,
) -> None:
    # GIVEN 14 days of an ELB request count at 5-minute steps (a daily cycle, Poisson noise)
    # with four times the traffic for one hour on day 13
    rng = random.Random(seed)
    burst = 3500
    values = [
        _requests(
            rng,
            (40 + 20 * math.sin(2 * math.pi * i / FIVE_MINUTES_A_DAY))
            * (4 if burst <= i < burst + 12 else 1),
        )
        for i in range(14 * FIVE_MINUTES_A_DAY)
    ]
    scores = score_series(values, period=FIVE_MINUTES_A_DAY)
    # THEN the burst alarms in its first rows, and the day after it, compared with the burst,
    # does not alarm
    assert max(scores[burst : burst + 5]) >= 0.99
    day_after = scores[burst + FIVE_MINUTES_A_DAY - 10 : burst + FIVE_MINUTES_A_DAY + 30]
    assert max(day_after) < 0.99


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_flat_quantised_cpu_stays_quiet_until_its_level_shifts_then_alarms_once(
    seed: int,
) -> None:
    # GIVEN 14 days of an idle EC2 instance's CPU at 5-minute steps: about 1.3%, reported in
    # steps of 1/15 %, then a level shift to about 6% on day 11
    rng = random.Random(seed)
    shift = 3000
    values = [
        round((1.3 + rng.gauss(0, 0.15)) * 15) / 15 + (4.5 if i >= shift else 0.0)
        for i in range(14 * FIVE_MINUTES_A_DAY)
    ]
    scores = score_series(values, period=FIVE_MINUTES_A_DAY)
    # THEN nothing after the probation alarms before the shift, and the shift alarms at once,
    # once (not on each row of the rise of its average)
    assert max(scores[PROBATION:shift]) < 0.99
    alarms = [i - shift for i, s in enumerate(scores[shift:], start=shift) if s >= 0.99]
    assert alarms and alarms[0] <= 2
    assert all(i > 200 for i in alarms[1:])
