"""`make bench` keeps working as the product changes: the investigation bench runs one round of
the sample and prints its figures (a figure is not judged here: benches are not timed tests)."""

from __future__ import annotations

import pytest

from benchmarks import investigation


def test_the_investigation_bench_investigates_the_sample_and_prints_its_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    investigation.sample(rounds=1)
    printed = capsys.readouterr().out
    assert "sample scenario: investigation wall time median" in printed
    assert "provider calls per investigation 1.0 / minimum 1 = ratio 1.00" in printed
