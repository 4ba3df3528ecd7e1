"""Quiet data stays quiet under the rules that find short and small changes (an outside review
found each of these reported as a change): what the baseline already shows, a load that eases in
the evening, a quantised value a half unit up, a steady error ratio while traffic grows; and a
slight lasting rise does not head the report over a big spike that came back."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest

from shared.telemetry.analysis import findings
from shared.telemetry.judgement import judge
from shared.telemetry.models import Signal
from tests.support.series import T0, Points

SEEDS = range(12)
START = T0 + timedelta(hours=4)
END = START + timedelta(hours=2)


def _series(values: list[float]) -> Points:
    return [(T0 + timedelta(minutes=i), v) for i, v in enumerate(values)]


def _judged(signal: Signal, values: list[float]) -> tuple[object, object]:
    return judge(signal, _series(values), start=START, end=END, step=60)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_burst_every_hour_the_baseline_shows_too_is_no_change(seed: int) -> None:
    # GIVEN traffic of about 1,000 a minute with a 2-minute burst of 3-6x every hour, all along
    rng = random.Random(seed)
    values = [1000 * (1 + rng.gauss(0, 0.03)) for _ in range(360)]
    for at in range(rng.randrange(60), 360, 60):
        factor = rng.uniform(3, 6)
        values[at : at + 2] = [v * factor for v in values[at : at + 2]]
    # THEN the window's bursts are no change
    _, finding = _judged(Signal.TRAFFIC, values)
    assert finding is None, finding


@pytest.mark.parametrize("seed", SEEDS)
def test_gc_pauses_the_baseline_shows_too_are_no_change(seed: int) -> None:
    # GIVEN a tight p99 of 200 ms with a 2-minute pause of 4-6x about every 40 minutes
    rng = random.Random(seed)
    values = [200 * math.exp(rng.gauss(0, 0.05)) for _ in range(360)]
    at = rng.randrange(40)
    while at < 358:
        factor = rng.uniform(4, 6)
        values[at : at + 2] = [v * factor for v in values[at : at + 2]]
        at += rng.randrange(30, 50)
    _, finding = _judged(Signal.P99_LATENCY, values)
    assert finding is None, finding


@pytest.mark.parametrize("seed", SEEDS)
def test_an_evening_load_that_eases_is_no_fall_to_say(seed: int) -> None:
    # GIVEN saturation at 60% that eases to 55% of that over the window's two hours
    rng = random.Random(seed)
    values = [60 * (1 - 0.45 * max(0, i - 240) / 120) + rng.gauss(0, 2) for i in range(361)]
    verdict, finding = _judged(Signal.SATURATION, values)
    assert finding is None and not verdict.fall, verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_quantised_saturation_half_a_unit_up_is_no_change(seed: int) -> None:
    # GIVEN saturation reported in whole percent around 35, half a unit higher in the window
    rng = random.Random(seed)
    values = [float(round(35 + (0.5 if i >= 240 else 0) + rng.gauss(0, 0.35))) for i in range(361)]
    _, finding = _judged(Signal.SATURATION, values)
    assert finding is None, finding


@pytest.mark.parametrize("seed", SEEDS)
def test_a_steady_error_ratio_while_traffic_grows_is_no_change(seed: int) -> None:
    # GIVEN 0.1% of requests failing all along while traffic grows from 80 a minute 15-fold
    rng = random.Random(seed)
    values = []
    for i in range(361):
        requests = max(1, round(80 * 15 ** (i / 360) * (1 + rng.gauss(0, 0.05))))
        failed = sum(rng.random() < 0.001 for _ in range(requests))
        values.append(100 * failed / requests)
    _, finding = _judged(Signal.ERROR_RATE, values)
    assert finding is None or finding.ratio < 3, finding  # type: ignore[attr-defined]


def test_a_slight_lasting_rise_does_not_head_the_report_over_a_big_spike() -> None:
    # GIVEN errors at 40x for 20 minutes (back after) and traffic 1.3x from then on
    rng = random.Random(3)
    errors = [0.3 * (40 if 270 <= i < 290 else 1) * (1 + rng.gauss(0, 0.05)) for i in range(361)]
    traffic = [1000 * (1.3 if i >= 300 else 1) * (1 + rng.gauss(0, 0.02)) for i in range(361)]
    ranked = findings(
        {Signal.ERROR_RATE: _series(errors), Signal.TRAFFIC: _series(traffic)},
        start=START,
        end=END,
    ).ranked
    # THEN the spike heads it
    assert [f.signal for f in ranked] == [Signal.ERROR_RATE, Signal.TRAFFIC]
