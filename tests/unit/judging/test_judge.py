"""The canary judge against hand-computed cases."""

from __future__ import annotations

import itertools
import math
import random
from statistics import median

import pytest

from shared.judging.judge import (
    Direction,
    Label,
    MetricData,
    MetricResult,
    MetricSpec,
    Verdict,
    classify,
    count_classify,
    judge,
    score,
)
from shared.judging.stats import (
    binomial_tail,
    count_test,
    detectable_samples,
    mann_whitney_shift,
    needed_samples,
)

LATENCY = MetricSpec(name="p99_latency", allowed_increase=1.1)
ERRORS = MetricSpec(name="errors", counts=True, critical=True)


def _noisy(centre: float, n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [centre * (1 + rng.gauss(0, 0.05)) for _ in range(n)]


def test_the_shift_estimate_is_the_median_of_pairwise_differences() -> None:
    # GIVEN small samples whose Hodges-Lehmann shift is easy to compute by hand
    experiment, control = [12.0, 15.0, 17.0, 20.0], [10.0, 11.0, 13.0]
    hodges_lehmann = median(e - c for e, c in itertools.product(experiment, control))
    shift = mann_whitney_shift(experiment, control, confidence=0.98)
    # THEN the estimate is it (within the step function's flat stretch), inside its interval
    assert hodges_lehmann == 4.5
    assert 4.0 - 1e-6 <= shift.estimate <= 5.0  # the pairwise differences around the median
    assert shift.lower <= shift.estimate <= shift.upper


def test_the_sample_size_to_see_a_one_percent_error_rate_is_299() -> None:
    # ln(0.05) / ln(0.99) = 298.07, rounded up
    assert needed_samples(0.01, 0.95) == 299


def test_the_binomial_tail_matches_its_closed_form() -> None:
    # P(X >= 5) for X ~ Binomial(5, 1/11) is (1/11)^5
    assert binomial_tail(5, 5, 1 / 11) == pytest.approx((1 / 11) ** 5)
    assert binomial_tail(0, 10, 0.3) == 1.0
    # P(X >= 1) for Binomial(3, 0.5) = 1 - 0.125
    assert binomial_tail(1, 3, 0.5) == pytest.approx(0.875)


def test_identical_samples_pass() -> None:
    same = _noisy(100, 60, seed=1)
    assert classify(LATENCY, MetricData(control=same, experiment=list(same))).label is Label.PASS


def test_two_samples_of_one_distribution_pass() -> None:
    result = classify(
        LATENCY, MetricData(control=_noisy(100, 60, 1), experiment=_noisy(100, 60, 2))
    )
    assert result.label is Label.PASS


def test_a_clear_latency_regression_is_high() -> None:
    # GIVEN the canary's p99 at 1.5 times the stable version's, same noise
    result = classify(
        LATENCY, MetricData(control=_noisy(100, 60, 1), experiment=_noisy(150, 60, 2))
    )
    assert result.label is Label.HIGH
    assert result.reason.startswith("p99_latency 147 vs 100, 1.5× worse, certain (shift +")
    assert "n = 60 vs 60 minutes) → High" in result.reason


def test_a_small_shift_inside_the_effect_gate_passes() -> None:
    # 5% slower is statistically clear with this little noise, but under allowedIncrease 1.1
    control = [100.0 + i % 3 for i in range(60)]
    experiment = [105.0 + i % 3 for i in range(60)]
    assert classify(LATENCY, MetricData(control=control, experiment=experiment)).label is Label.PASS


def test_a_decrease_fails_only_a_metric_watched_for_decreases() -> None:
    data = MetricData(control=_noisy(1000, 60, 1), experiment=_noisy(400, 60, 2))
    assert classify(LATENCY, data).label is Label.PASS
    traffic = MetricSpec(name="traffic", direction=Direction.DECREASE, allowed_decrease=0.9)
    assert classify(traffic, data).label is Label.LOW


def test_no_data_is_nodata_not_a_failure_unless_the_metric_must_have_data() -> None:
    empty = MetricData(control=[1.0, 2.0], experiment=[])
    assert classify(LATENCY, empty).label is Label.NODATA
    strict = MetricSpec(name="p99_latency", must_have_data=True)
    assert classify(strict, empty).label is Label.NODATA_FAIL


def test_a_zero_error_baseline_against_a_few_canary_errors_fails_the_count_test() -> None:
    # GIVEN 3,000 stable requests without an error, and 5 errors in 300 canary requests (per
    # minute: 12 minutes of canary counts, five of them with one error)
    data = MetricData(
        control=[0.0] * 30,
        experiment=[0.0] * 7 + [1.0] * 5,
        control_total=3000,
        experiment_total=300,
    )
    # THEN p = (300/3300)^5 = 6.2e-6 < 0.01 and the ratio is infinite: High, critical
    test = count_test(5, 300, 0, 3000)
    assert test.p_value == pytest.approx((300 / 3300) ** 5)
    assert math.isinf(test.ratio)
    result = count_classify(ERRORS, data)
    assert result.label is Label.HIGH
    assert result.critical_failure
    assert (
        result.reason == "errors 1.7% vs 0.0%, none on stable, certain "
        "(p < 0.001; n = 300 vs 3,000 requests) → High, critical"
    )
    # AND Kayenta's Mann-Whitney on the same samples does not see it (its known blind spot)
    assert classify(MetricSpec(name="errors"), data).label is Label.PASS


def test_one_canary_error_in_a_thousand_with_a_similar_baseline_passes() -> None:
    data = MetricData(
        control=[1.0] * 9, experiment=[1.0], control_total=9000, experiment_total=1000
    )
    assert count_classify(ERRORS, data).label is Label.PASS


def test_30_of_299_needed_requests_is_insufficient_never_judged() -> None:
    data = {"p99_latency": MetricData(control=_noisy(100, 30, 1), experiment=_noisy(500, 30, 2))}
    judgement = judge([LATENCY, ERRORS], data, canary_requests=30)
    assert judgement.verdict is Verdict.INSUFFICIENT
    # every metric is named, with why it is not judged yet
    assert judgement.reason == ("not enough requests yet to judge p99_latency, errors: 30 of 299")
    assert judgement.results == []


def test_a_failing_critical_metric_scores_zero_and_fails_the_step() -> None:
    data = {
        "p99_latency": MetricData(control=_noisy(100, 60, 1), experiment=_noisy(100, 60, 2)),
        "errors": MetricData(
            control=[0.0] * 60, experiment=[1.0] * 8, control_total=6000, experiment_total=600
        ),
    }
    judgement = judge([LATENCY, ERRORS], data, canary_requests=600)
    assert judgement.score == 0.0
    assert judgement.verdict is Verdict.FAILED


def test_kayenta_scores_groups_by_their_share_of_passing_metrics() -> None:
    def result(name: str, label: Label, group: str) -> MetricResult:
        return MetricResult(name=name, label=label, reason="", group=group)

    results = [
        result("a", Label.PASS, "latency"),
        result("b", Label.HIGH, "latency"),
        result("c", Label.PASS, "errors"),
        result("d", Label.NODATA, "errors"),  # not counted
    ]
    # latency 50, errors 100, equal weights: 75 (marginal → inconclusive)
    assert score(results) == 75.0
    assert score(results, {"latency": 80.0}) == 60.0
    # half the metrics without data: 0
    assert score([result("x", Label.PASS, "g"), result("y", Label.NODATA, "g")]) == 0.0


def _healthy(canary_requests: int) -> dict[str, MetricData]:
    """1% errors on both sides (per minute counts), latency alike."""
    per_minute = canary_requests // 10
    return {
        "p99_latency": MetricData(control=_noisy(100, 60, 1), experiment=_noisy(101, 60, 2)),
        "errors": MetricData(
            control=[float(per_minute * 19 // 100)] * 10,
            experiment=[float(per_minute // 100)] * 10,
            control_total=canary_requests * 19,
            experiment_total=canary_requests,
        ),
    }


def test_healthy_steps_are_successful_once_a_doubling_of_errors_would_show() -> None:
    # 1% errors: about 2,271 canary requests are needed to see them double (95% power, p < 0.01)
    assert detectable_samples(0.01) == 2271
    judgement = judge([LATENCY, ERRORS], _healthy(3000), canary_requests=3000)
    assert judgement.verdict is Verdict.SUCCESSFUL
    assert judgement.score == 100.0


def test_a_healthy_step_below_that_traffic_is_extended_not_promoted() -> None:
    judgement = judge([LATENCY, ERRORS], _healthy(1000), canary_requests=1000)
    assert judgement.verdict is Verdict.INSUFFICIENT
    # every metric's result is named, then why it is not promoted yet
    assert judgement.reason.startswith("no failure yet; p99_latency 99 vs 100, about the same")
    assert "; errors 1.0% vs 1.0%, about the same, may be chance (p = 0.545; " in judgement.reason
    assert judgement.reason.endswith(
        "→ Pass; not enough traffic to promote (1,000 of the 2,271 canary requests that would "
        "show errors doubled)"
    )


def test_judging_the_same_growing_data_again_asks_for_more_evidence() -> None:
    # 14 canary errors in 600 requests against 120 in 12,000: p = 0.0049 on a first look
    # (< 0.01), but the fifth look shares 0.01 five ways (0.002)
    data = MetricData(control=[120.0], experiment=[14.0], control_total=12000, experiment_total=600)
    first, fifth = count_classify(ERRORS, data), count_classify(ERRORS, data, looks=5)
    assert (first.label, fifth.label) == (Label.HIGH, Label.PASS)


LABELLED = MetricSpec(name="p99_latency", allowed_increase=1.1, unit="ms", label="p99 latency")


def test_one_minute_of_each_version_is_not_enough_data_never_certain() -> None:
    # GIVEN the canary's first minute: p99 1,658 ms against the stable version's 375.5 ms
    data = {
        "p99_latency": MetricData(control=[375.5], experiment=[1658.0]),
        "errors": MetricData(
            control=[57.0], experiment=[3.0], control_total=5700, experiment_total=300
        ),
    }
    # WHEN it is judged
    judgement = judge([LABELLED, ERRORS], data, canary_requests=300)
    # THEN latency is not judged yet, in words, and nothing is rolled back or promoted on it
    assert judgement.verdict is Verdict.INSUFFICIENT
    latency = judgement.results[0]
    assert latency.label is Label.TOO_FEW
    assert latency.reason == "p99 latency: not enough data yet: 1 of 5 minutes"
    assert "certain" not in judgement.reason
    assert judgement.reason.startswith("no failure yet; p99 latency: not enough data yet")


def test_a_failing_critical_metric_still_rolls_back_while_latency_has_too_few_minutes() -> None:
    # GIVEN 2 minutes: errors clearly doubled (critical), latency too short to test
    data = {
        "p99_latency": MetricData(control=[375.0, 380.0], experiment=[1600.0, 1700.0]),
        "errors": MetricData(
            control=[57.0, 57.0], experiment=[12.0, 12.0], control_total=11400, experiment_total=600
        ),
    }
    judgement = judge([LABELLED, ERRORS], data, canary_requests=600)
    assert judgement.verdict is Verdict.FAILED
    assert "p99 latency: not enough data yet: 2 of 5 minutes" in [
        r.reason for r in judgement.results
    ]


def test_more_looks_need_more_minutes_before_latency_can_fail() -> None:
    # the second look shares the 2% among two tests: 99% confidence needs 6 minutes a side
    data = MetricData(control=_noisy(100, 5, 1), experiment=_noisy(400, 5, 2))
    first = judge([LABELLED], {"p99_latency": data}, canary_requests=1000, looks=1)
    second = judge([LABELLED], {"p99_latency": data}, canary_requests=1000, looks=2)
    assert first.verdict is Verdict.FAILED
    assert second.results[0].reason == "p99 latency: not enough data yet: 5 of 6 minutes"


def test_a_latency_failure_says_how_sure_it_is_as_its_interval_allows() -> None:
    # GIVEN five minutes a side, every canary minute far above every stable one: the 98%
    # interval leaves no shift out, a 99.9% one cannot with so few minutes
    data = MetricData(control=_noisy(100, 5, 1), experiment=_noisy(400, 5, 2))
    result = classify(LABELLED, data)
    assert result.label is Label.HIGH
    # THEN it is called likely (p < 0.02), not certain; both means with the same precision
    assert result.reason.startswith("p99 latency 412 vs 101 ms, 4.1× worse, likely (shift +")
    # (with its unit, and which way it is taken: a bare `shift -3.933` read as the opposite)
    assert " ms of the first over the second, minute by minute, " in result.reason, result.reason


def test_a_canary_without_errors_against_a_stable_version_with_some_says_none_on_canary() -> None:
    # GIVEN no canary error in 400 requests, 40 on the stable version's 8,000
    data = MetricData(
        control=[10.0] * 4, experiment=[0.0] * 4, control_total=8000, experiment_total=400
    )
    # WHEN judged THEN it passes, said in words (it used to divide by zero)
    result = count_classify(ERRORS, data)
    assert result.label is Label.PASS
    assert result.reason.startswith("errors 0.0% vs 0.5%, none on canary, may be chance")


def test_a_count_with_no_stable_requests_is_not_judged_never_a_pass() -> None:
    # GIVEN errors on half the canary's requests and no requests at all on the stable version
    errors = MetricSpec(name="errors", counts=True, critical=True)
    data = {"errors": MetricData(control=[], experiment=[150.0] * 10, experiment_total=3000)}
    # WHEN judged
    judgement = judge([errors], data, canary_requests=3000)
    # THEN nothing is judged (the count test would give p = 1): extended, saying why
    assert judgement.verdict is Verdict.INSUFFICIENT and judgement.unjudged
    assert judgement.reason == "not judged: errors: no data for the stable version"


def test_a_metric_without_data_blocks_a_pass_but_not_a_failure() -> None:
    # GIVEN latency reported for the stable version only, beside errors
    errors = MetricSpec(name="errors", counts=True, critical=True)
    latency = MetricSpec(name="p99_latency", label="p99 latency")
    blind = MetricData(control=[380.0] * 10, experiment=[])
    healthy = MetricData([57.0] * 10, [3.0] * 10, 57000, 3000)
    failing = MetricData([57.0] * 10, [90.0] * 10, 57000, 3000)
    # WHEN the errors are healthy THEN the step is not passed, the metric named
    passed = judge(
        [errors, latency], {"errors": healthy, "p99_latency": blind}, canary_requests=3000
    )
    assert passed.verdict is Verdict.INSUFFICIENT
    assert passed.reason.startswith("not judged: p99 latency: no data for the canary; errors")
    # AND WHEN they fail THEN it still fails
    failed = judge(
        [errors, latency], {"errors": failing, "p99_latency": blind}, canary_requests=3000
    )
    assert failed.verdict is Verdict.FAILED


def test_a_worse_error_count_short_of_the_test_is_a_pass_that_says_it_is_not_proven() -> None:
    # GIVEN 2.7% errors on the canary's 300 requests against 1.0% on the stable's 40,000
    data = MetricData(control=[400.0], experiment=[8.0], control_total=40_000, experiment_total=300)
    result = count_classify(ERRORS, data, looks=4)
    # THEN it is not failed (p = 0.012 is above 0.01 shared among 4 looks), and it says so
    assert result.label is Label.PASS
    assert "2.7× worse, likely (p = 0.012" in result.reason
    assert result.reason.endswith("→ Pass (not proven worse: that needs p < 0.0025)")
    # AND a canary no worse is a bare pass
    same = MetricData(
        control=[400.0], experiment=[20.0], control_total=40_000, experiment_total=2_000
    )
    assert count_classify(ERRORS, same).reason.endswith("→ Pass")
