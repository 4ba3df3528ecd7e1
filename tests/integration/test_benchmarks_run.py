"""`make bench` keeps working as the product changes: the investigation bench runs one round of
the sample, the chaos bench a dozen experiments, and each prints its figures (a figure is not
judged here: benches are not timed tests)."""

from __future__ import annotations

import re

import pytest

from benchmarks import chaos, investigation


def test_the_investigation_bench_investigates_the_sample_and_prints_its_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    investigation.sample(rounds=1)
    printed = capsys.readouterr().out
    assert "sample scenario: investigation wall time median" in printed
    assert "provider calls per investigation 1.0 / minimum 1 = ratio 1.00" in printed


def test_the_chaos_bench_runs_both_checks_and_the_engine_and_prints_their_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    chaos.main(count=12, engine=1)
    printed = capsys.readouterr().out
    assert "Chaos experiments: 12 on the sample's simulation" in printed
    rows = re.findall(r"^ +(\d+) +(ours|toolkit) ", printed, flags=re.MULTILINE)
    assert rows == [(rps, check) for rps in ("1", "10", "100") for check in ("ours", "toolkit")]
    assert "ours: false deviated " in printed and "toolkit: false deviated " in printed
    # the engine ran the subset and ended every run as the judgement did
    assert "on 12 of them: ends as the judgement did in 12/12" in printed
