"""The steady state judged like a canary, on hand-made minutes: the faulted share against the
same minutes' unfaulted share, held / deviated / inconclusive, never on one sample."""

from __future__ import annotations

import random

import pytest

from shared.chaos.hypothesis import HypothesisVerdict, assess, expectation
from shared.judging.judge import MetricData


def errors(faulted_rate: float, faulted: int, *, minutes: int = 10) -> MetricData:
    """Per-minute errors: `faulted` requests at `faulted_rate`, 20x as many unfaulted at 0.2%."""
    per = faulted // minutes
    control = 20 * per
    return MetricData(
        control=[round(control * 0.002)] * minutes,
        experiment=[round(per * faulted_rate)] * minutes,
        control_total=control * minutes,
        experiment_total=per * minutes,
    )


def latency(faulted_ms: float, minutes: int, *, seed: int = 1) -> MetricData:
    """Per-minute p99s: the unfaulted near 380 ms, the faulted near `faulted_ms`."""
    rng = random.Random(seed)
    return MetricData(
        control=[380 * rng.uniform(0.95, 1.05) for _ in range(minutes)],
        experiment=[faulted_ms * rng.uniform(0.95, 1.05) for _ in range(minutes)],
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("error_rate anomalous for 10m", "is an alert rule, not a steady state"),
        ("error_rate < 1% 3 of 5", "is an alert rule, not a steady state"),
        ("p99_latency < 2s for 5m", "is an alert rule, not a steady state"),
        ("p99_latency > 2s", "describes a breach"),
        ("traffic < 100", "traffic is not judged under a fault"),
        ("p99_latency < 2%", "p99 latency is a time: use ms or s"),
    ],
)
def test_only_a_bound_on_a_faultable_signal_is_a_steady_state(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        expectation(text)


def test_every_failed_request_on_the_faulted_share_deviates_past_the_bound() -> None:
    found = assess([expectation("error_rate < 1%")], {"error_rate": errors(1.0, 600)})
    assert found.verdict is HypothesisVerdict.DEVIATED
    assert "faulted share breaks error_rate < 1%" in found.said
    assert "error rate 100.0% vs 0.2%" in found.said


def test_the_same_error_rate_on_enough_faulted_requests_holds() -> None:
    found = assess([expectation("error_rate < 1%")], {"error_rate": errors(0.002, 3000)})
    assert found.verdict is HypothesisVerdict.HELD
    assert "faulted share within error_rate < 1%" in found.said


def test_too_few_faulted_requests_is_inconclusive_saying_how_many_it_needs() -> None:
    found = assess([expectation("error_rate < 1%")], {"error_rate": errors(1.0, 120)})
    assert found.verdict is HypothesisVerdict.INCONCLUSIVE
    assert found.said == (
        "inconclusive (n below the gate): 120 of 299 faulted requests needed to judge"
    )


def test_a_pass_on_errors_waits_for_enough_requests_to_see_the_bound() -> None:
    # 600 requests would show one error at 1% (299), not a 1% rate against 0.2% (95% power)
    found = assess([expectation("error_rate < 1%")], {"error_rate": errors(0.002, 600)})
    assert found.verdict is HypothesisVerdict.INCONCLUSIVE
    assert found.needed > 600 and "600 of" in found.said


def test_a_delay_past_the_latency_bound_deviates_a_smaller_one_holds() -> None:
    requests = {"error_rate": errors(0.002, 3000)}
    slow = assess([expectation("p99_latency < 1s")], {**requests, "p99_latency": latency(1880, 10)})
    assert slow.verdict is HypothesisVerdict.DEVIATED
    assert "faulted share breaks p99_latency < 1000ms" in slow.said
    mild = assess([expectation("p99_latency < 2s")], {**requests, "p99_latency": latency(480, 10)})
    assert mild.verdict is HypothesisVerdict.HELD  # worse, certainly, but within the bound
    assert "faulted share within p99_latency < 2000ms" in mild.said


def test_one_slow_minute_is_never_a_deviation() -> None:
    data = {"error_rate": errors(0.002, 3000), "p99_latency": latency(5000, 1)}
    found = assess([expectation("p99_latency < 1s")], data)
    assert found.verdict is HypothesisVerdict.INCONCLUSIVE
    assert "not enough data yet" in found.said


def test_repeated_looks_need_more_minutes_before_a_deviation() -> None:
    data = {"error_rate": errors(0.002, 3000), "p99_latency": latency(1880, 7)}
    bound = [expectation("p99_latency < 1s")]
    assert assess(bound, data, looks=1).verdict is HypothesisVerdict.DEVIATED
    assert assess(bound, data, looks=30).verdict is HypothesisVerdict.INCONCLUSIVE
