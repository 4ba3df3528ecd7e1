"""`make bench` keeps working as the product changes: the investigation bench runs one round of
the sample, the chaos bench a dozen experiments (on the default plan and the one the product
suggests), and each prints its figures (a figure is not
judged here: benches are not timed tests)."""

from __future__ import annotations

import re

import pytest

from benchmarks import chaos, chaos_cases, investigation, tenants
from shared.chaos.planning import traffic_warning


def test_the_investigation_bench_investigates_the_sample_and_prints_its_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    investigation.sample(rounds=1)
    printed = capsys.readouterr().out
    assert "sample scenario: investigation wall time median" in printed
    assert "provider calls per investigation 1.0 / minimum 1 = ratio 1.00" in printed


def test_the_chaos_bench_runs_both_checks_and_the_engine_on_default_and_suggested_plans(
    capsys: pytest.CaptureFixture[str],
) -> None:
    chaos.main(count=12, engine=1)
    printed, suggested = capsys.readouterr().out.split("the plan the product suggests", 1)
    assert "Chaos experiments: 12 on the sample's simulation" in printed
    rows = re.findall(r"^ +(\d+) +(ours|toolkit) ", printed, flags=re.MULTILINE)
    assert rows == [(rps, check) for rps in ("1", "10", "100") for check in ("ours", "toolkit")]
    assert "ours: false deviated " in printed and "toolkit: false deviated " in printed
    # the engine ran the subset and ended every run as the judgement did
    assert "on 12 of them: ends as the judgement did in 12/12 (6 breaking runs)" in printed
    # timed from the simulation's true breach, the guard path apart from the judgement
    assert "from the true breach (the fault's first minute past a bound)" in printed
    assert "(the guard path) <= 1 tick in " in printed
    # the same cases on the plan `sre chaos plan`'s traffic warning suggests, where it has one
    printed = suggested
    # the 10 and 100 req/s cases; at 1 req/s the plan says too quiet
    assert ": 8 of 12 have one" in printed
    for check in ("ours", "toolkit"):
        assert re.search(rf"^ +1  {check} +no plan suggested", printed, re.M)
    judged = re.findall(r"^ +100  (ours|toolkit) +(\d+)\S*% x 11m ", printed, flags=re.M)
    assert [check for check, _ in judged] == ["ours", "toolkit"]
    assert all(int(first) > 5 for _, first in judged)  # the warning's larger first percent
    # at 10 req/s both options together: half the traffic, steps far longer than 11m
    longer = re.findall(r"^ +10  (?:ours|toolkit) +4\d-50% x (\d+)\S*m ", printed, flags=re.M)
    assert len(longer) == 2 and all(int(m) > 11 for m in longer)
    ours = re.search(r"ours, judgeable plans: .* 0 of 8 started runs not judgeable", printed)
    assert ours is not None and "toolkit, judgeable plans: false deviated" in printed
    assert re.search(
        r"engine on (\d+) of the judgeable runs: ends as the judgement did in \1/\1 ", printed
    )


def test_a_suggested_plan_is_one_the_products_traffic_check_no_longer_warns_about() -> None:
    loud, quiet = (
        chaos_cases.Case(100.0, "errors", 1.0, seed=7),
        chaos_cases.Case(1.0, "errors", 1.0, seed=7),
    )
    plan = chaos_cases.suggested(loud)
    assert plan is not None and plan != chaos_cases.DEFAULT
    record = chaos_cases.experiment(loud, plan)
    assert traffic_warning(record, chaos_cases.checked_before(loud, record)) == ""
    assert chaos_cases.suggested(quiet) is None  # too quiet: no plan to run


def test_the_tenants_bench_reads_each_org_at_its_minimum_and_serves_each_workspace_its_own(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sizes = tenants.Sizes(orgs=3, teams=2, thresholds=2, rate=20, seconds=1, slow_bound=1.0)
    tenants.main(sizes)
    printed = capsys.readouterr().out
    # every org read in one GetMetricData call, its minimum (8 distinct queries)
    assert "GetMetricData calls per org: [(1, 3)] (calls, orgs)" in printed
    assert "3 of 3 orgs at the minimum" in printed
    # one org's hung provider: both other orgs still read and judged in the same tick
    assert "2 of 2 other orgs judged in full; not judged, carried to the next tick: " in printed
    assert "tick: {'slack:T000': 16} (policies by org)" in printed
    # one org's channel taking no notice: both other orgs told, the silent one's part said carried
    assert "2 of 2 other orgs told; said: ['org slack:T000: over 1 s, finishing on its own']" in (
        printed
    )
    # every answer named the asking workspace's org; no call carried another workspace's token
    assert "answers not naming the asking workspace's org: 0 of 20 (goal 0)" in printed
    assert re.search(r"checked by token: [1-9]\d*, with another workspace's token: 0 ", printed)
