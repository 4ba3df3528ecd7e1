"""The steady state judged like a canary, on hand-made minutes: the faulted share against the
same minutes' unfaulted share, held / deviated / inconclusive, never on one sample."""

from __future__ import annotations

import itertools
import random

import pytest

from shared.chaos.expectations import expectation
from shared.chaos.hypothesis import HypothesisVerdict, assess
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
    assert "breaks `error_rate < 1%`" in found.said
    assert "error rate 100% on the faulted share vs 0.167% unfaulted (600×" in found.said


def test_the_same_error_rate_on_enough_faulted_requests_holds() -> None:
    found = assess([expectation("error_rate < 1%")], {"error_rate": errors(0.002, 3000)})
    assert found.verdict is HypothesisVerdict.HELD
    assert "within `error_rate < 1%`" in found.said


def test_too_few_faulted_requests_is_inconclusive_saying_how_many_it_needs() -> None:
    found = assess([expectation("error_rate < 1%")], {"error_rate": errors(1.0, 120)})
    assert found.verdict is HypothesisVerdict.INCONCLUSIVE
    assert found.said == ("inconclusive: too few faulted requests to judge: 120 of the 299 needed")


def test_a_pass_on_errors_waits_for_enough_requests_to_see_the_bound() -> None:
    # 600 requests would show one error at 1% (299), not a 1% rate against 0.2% (95% power)
    found = assess([expectation("error_rate < 1%")], {"error_rate": errors(0.002, 600)})
    assert found.verdict is HypothesisVerdict.INCONCLUSIVE
    assert found.needed > 600 and "600 of" in found.said


def test_a_delay_past_the_latency_bound_deviates_a_smaller_one_holds() -> None:
    requests = {"error_rate": errors(0.002, 3000)}
    slow = assess([expectation("p99_latency < 1s")], {**requests, "p99_latency": latency(1880, 10)})
    assert slow.verdict is HypothesisVerdict.DEVIATED
    assert "breaks `p99_latency < 1000ms`" in slow.said
    mild = assess([expectation("p99_latency < 2s")], {**requests, "p99_latency": latency(480, 10)})
    assert mild.verdict is HypothesisVerdict.HELD  # worse, certainly, but within the bound
    assert "within `p99_latency < 2000ms`" in mild.said


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


def before_start(p99_ms: float, minutes: int = 10, *, seed: int = 7) -> MetricData:
    """The service's minutes before the start (the control only): p99s near `p99_ms`."""
    rng = random.Random(seed)
    return MetricData(
        control=[p99_ms * rng.uniform(0.95, 1.05) for _ in range(minutes)], experiment=[]
    )


def baseline(p99_ms: float = 380, minutes: int = 10) -> dict[str, MetricData]:
    """Healthy minutes before the start: 0.2% errors on 6,000 requests a minute, p99 near
    `p99_ms`."""
    return {
        "error_rate": MetricData(
            control=[12.0] * minutes, experiment=[], control_total=6000 * minutes
        ),
        "p99_latency": before_start(p99_ms, minutes),
    }


def test_a_service_slow_on_both_shares_deviates_against_the_minutes_before_the_start() -> None:
    # GIVEN the fault slows the whole service: the unfaulted share is as slow as the faulted one
    unfaulted = latency(2100, 10, seed=2).experiment
    data = {
        "error_rate": errors(0.002, 3000),
        "p99_latency": MetricData(control=unfaulted, experiment=latency(2100, 10).experiment),
    }
    bound = [expectation("p99_latency < 2s")]
    # the same minutes' unfaulted share alone cannot see it
    assert assess(bound, data).verdict is not HypothesisVerdict.DEVIATED
    # WHEN the pre-experiment baseline is judged too
    found = assess(bound, data, before=baseline(380))
    # THEN it deviated, and the verdict says both comparisons
    assert found.verdict is HypothesisVerdict.DEVIATED
    assert "p99 latency 2,1" in found.said and "on the faulted share vs 2,0" in found.said
    assert "and 374 ms before the start (5.7× the minutes before the start" in found.said
    assert "breaks `p99_latency < 2000ms`" in found.said


def test_held_only_when_both_the_unfaulted_share_and_the_baseline_held() -> None:
    data = {"error_rate": errors(0.002, 3000), "p99_latency": latency(480, 10)}
    bound = [expectation("p99_latency < 2s")]
    found = assess(bound, data, before=baseline(380))
    assert found.verdict is HypothesisVerdict.HELD
    assert "vs 379 ms unfaulted and 374 ms before the start (1.3×" in found.said


def test_no_minutes_before_the_start_is_inconclusive_never_held() -> None:
    data = {"error_rate": errors(0.002, 3000), "p99_latency": latency(480, 10)}
    bound = [expectation("p99_latency < 2s")]
    assert assess(bound, data).verdict is HypothesisVerdict.HELD
    found = assess(bound, data, before={})
    assert found.verdict is HypothesisVerdict.INCONCLUSIVE
    assert "no minutes before the start to compare" in found.said


def test_the_looks_correction_covers_both_comparisons() -> None:
    # 7 minutes show a shift at the 8th look for one test; two tests share it: 16 looks' worth
    data = {"error_rate": errors(0.002, 3000), "p99_latency": latency(1880, 7)}
    bound = [expectation("p99_latency < 1s")]
    assert assess(bound, data, looks=8).verdict is HypothesisVerdict.DEVIATED
    both = assess(bound, data, looks=8, before=baseline(380, minutes=7))
    assert both.verdict is HypothesisVerdict.INCONCLUSIVE
    assert "not enough data yet" in both.said


def shares(faulted: tuple[int, int], unfaulted: tuple[int, int], minutes: int = 10) -> MetricData:
    """Per-minute errors from (errors, requests) totals of each share, spread over `minutes`."""
    return MetricData(
        control=[unfaulted[0] / minutes] * minutes,
        experiment=[faulted[0] / minutes] * minutes,
        control_total=unfaulted[1],
        experiment_total=faulted[1],
    )


def test_the_requests_a_held_needs_grow_smoothly_as_the_unfaulted_rate_nears_the_bound() -> None:
    bound = [expectation("error_rate < 0.3%")]
    needed = [
        assess(bound, {"error_rate": shares((0, 1_000), (rate, 100_000))}).needed
        for rate in range(100, 265, 5)  # 0.1% to 0.26% unfaulted, the bound 0.3%
    ]
    # it fell from ~40,000 to 998 as the unfaulted rate passed 0.2% (the bound / 1.5)
    for one, next_ in itertools.pairwise(needed):
        assert max(one, next_) <= 1.2 * min(one, next_)
    assert min(needed) > 5_000  # a 0.3% (or doubled) rate never shows on ~1,000 requests


def test_no_held_before_an_error_rate_double_the_unfaulted_one_could_have_shown() -> None:
    # 0.21% unfaulted, 0.25% faulted on 1,200 requests: within the 0.3% bound, but a doubled
    # rate (0.42%) shows on ~5 expected errors against 2.5: far too few requests to say held
    found = assess(
        [expectation("error_rate < 0.3%")], {"error_rate": shares((3, 1_200), (210, 100_000))}
    )
    assert found.verdict is HypothesisVerdict.INCONCLUSIVE
    assert found.needed > 5_000
    assert f"1,200 of the {found.needed:,} needed" in found.said


def test_a_faulted_share_over_the_bound_is_never_held_without_certainty_inconclusive() -> None:
    # 0.36% faulted against 0.23% unfaulted, bound 0.3%: p = 0.007, not significant on look 37
    data = {"error_rate": shares((72, 20_000), (460, 200_000))}
    found = assess([expectation("error_rate < 0.3%")], data, looks=37)
    assert found.verdict is HypothesisVerdict.INCONCLUSIVE
    over = "0.36% on the faulted share vs 0.23% unfaulted (1.6×, over `error_rate < 0.3%`, "
    assert over + "not yet certain)" in found.said


def test_a_faulted_share_over_the_bound_and_surely_worse_deviates() -> None:
    data = {"error_rate": shares((72, 20_000), (460, 200_000))}
    found = assess([expectation("error_rate < 0.3%")], data, looks=1)
    assert found.verdict is HypothesisVerdict.DEVIATED
    assert "breaks `error_rate < 0.3%`" in found.said


def test_a_bound_of_100_percent_is_judged_not_a_crash() -> None:
    data = {"error_rate": shares((0, 1_000), (0, 10_000))}
    found = assess([expectation("error_rate < 100%")], data)
    assert found.verdict is HypothesisVerdict.HELD


def test_a_verdict_says_each_expectation_as_typed_with_both_shares_values_and_no_jargon() -> None:
    data = {"error_rate": errors(0.002, 3000), "p99_latency": latency(480, 10)}
    typed = ["p99_latency < 2s", "error_rate < 1%"]
    found = assess([expectation(t) for t in typed], data, before=baseline(380), written=typed)
    assert found.verdict is HypothesisVerdict.HELD
    assert found.said == (
        "held: p99 latency 484 ms on the faulted share vs 379 ms unfaulted and 374 ms before "
        "the start (1.3×, within `p99_latency < 2s`); error rate 0.333% on the faulted share vs "
        "0.2% unfaulted and 0.2% before the start (1.7×, within `error_rate < 1%`)"
    )
    assert "CI" not in found.said and "→" not in found.said and "2000ms" not in found.said
