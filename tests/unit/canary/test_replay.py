"""Judging the investigator itself on a replay set of scenarios with known causes."""

from __future__ import annotations

from shared.canary.replay import (
    investigate,
    names_the_cause,
    replay,
    scenarios,
)
from shared.judging.judge import Label, MetricSpec, count_classify
from shared.telemetry.models import Signal

REPLAY = MetricSpec(name="investigation_quality", counts=True, critical=True, gates=False)


def test_this_investigator_names_the_cause_of_every_scenario() -> None:
    cases = scenarios()
    assert len(cases) == 40
    assert {c.cause for c in cases} == {
        Signal.SATURATION,
        Signal.P99_LATENCY,
        Signal.ERROR_RATE,
        Signal.TRAFFIC,
        None,
    }
    assert all(names_the_cause(investigate(c), c) for c in cases)


def test_a_version_blind_to_saturation_misses_its_scenarios_and_fails_the_count_test() -> None:
    # GIVEN a canary version that does not read saturation, against this one
    blind = frozenset({Signal.SATURATION})
    cases = scenarios()
    data = replay(
        [investigate(s) for s in cases], [investigate(s, ignore=blind) for s in cases], cases
    )
    # THEN it misses the 8 saturation-first scenarios where the stable one misses none:
    # p = 0.5^8 = 0.004 < 0.01, ratio infinite: High, and critical
    assert (data.control, data.experiment) == ([0.0], [8.0])
    result = count_classify(REPLAY, data)
    assert result.label is Label.HIGH
    assert result.critical_failure


def test_the_same_investigator_on_both_sides_passes() -> None:
    cases = scenarios(per_cause=2)
    answers = [investigate(s) for s in cases]
    data = replay(answers, answers, cases)
    assert count_classify(REPLAY, data).label is Label.PASS
