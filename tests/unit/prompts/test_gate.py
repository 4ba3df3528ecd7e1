"""The offline gate: pass^k on the replay scenarios, the count test against the control."""

from __future__ import annotations

import pytest

from shared.prompts.gate import PRIOR_TRIALS, ScenarioRuns, gate

K = 3


def _runs(passes: list[int], *, runs: int = K) -> list[ScenarioRuns]:
    return [
        ScenarioRuns(scenario=f"scenario-{i:02}", passes=p, runs=runs) for i, p in enumerate(passes)
    ]


def test_a_variant_as_good_as_the_control_passes_and_says_so() -> None:
    control = _runs([3] * 38 + [0, 0])
    variant = _runs([3] * 39 + [1])
    result = gate(variant, control, k=K)
    assert result.passed
    assert (result.pass_all_k, result.scenarios) == (39, 40)
    assert result.reason.startswith(
        "named the cause in 39 of 40 scenarios in all 3 runs; control 38 of 40; not worse"
    )


def test_one_flaky_run_on_a_scenario_the_control_always_passes_fails_the_gate() -> None:
    control = _runs([3] * 40)
    variant = _runs([3] * 39 + [2])
    result = gate(variant, control, k=K)
    assert not result.passed
    assert result.pass_all_k == 39
    assert "missed where the control never does: scenario-39" in result.reason


def test_a_variant_failing_many_runs_is_worse_by_the_count_test() -> None:
    # The control misses 10 scenarios outright; the variant passes those but is flaky elsewhere
    control = _runs([3] * 30 + [0] * 10)
    variant = _runs([3] * 5 + [0] * 25 + [3] * 10)
    result = gate(variant, control, k=K)
    assert not result.passed
    assert "; worse by the count test (p < 0.01)" in result.reason


def test_the_prior_follows_the_pass_rate_capped_so_online_data_dominates() -> None:
    result = gate(_runs([3] * 36 + [0] * 4), _runs([3] * 40), k=K)
    assert result.pass_rate == pytest.approx(108 / 120)
    assert result.prior_successes + result.prior_failures == pytest.approx(PRIOR_TRIALS)
    assert result.prior_successes == pytest.approx(PRIOR_TRIALS * 0.9)


@pytest.mark.parametrize(
    ("variant", "control", "said"),
    [
        ([], _runs([3]), "no scenarios were run"),
        (_runs([3, 3]), _runs([2, 2], runs=2), "control did not run scenario-00, scenario-01 3"),
        (_runs([3]), _runs([3, 3]), "variant did not run scenario-01"),
        (_runs([2], runs=2), _runs([3]), "variant did not run scenario-00 3 times"),
    ],
)
def test_runs_that_cannot_be_judged_fail_the_gate_in_words(
    variant: list[ScenarioRuns], control: list[ScenarioRuns], said: str
) -> None:
    result = gate(variant, control, k=K)
    assert not result.passed
    assert said in result.reason
