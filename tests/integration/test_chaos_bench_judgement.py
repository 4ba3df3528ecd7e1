"""The chaos bench's cheaper judgement: skipping the full judgement on minutes that cannot end a
run (not a step's end, the faulted share within every bound) gives the same runs as judging
every minute, on seeded harmless and breaking cases, errors and latency, quiet and busy."""

from __future__ import annotations

import pytest

from benchmarks.chaos_cases import Case, Plan
from benchmarks.chaos_checks import ours


@pytest.mark.parametrize(
    ("case", "plan"),
    [
        (Case(100.0, "errors", 1.0, seed=3), Plan()),
        (Case(100.0, "latency", 2.0, seed=4), Plan()),
        (Case(100.0, "errors", 2.0, seed=5), Plan((28,), 11)),
        (Case(10.0, "errors", 1.0, seed=6), Plan((50,), 20)),
        (Case(10.0, "latency", 1.0, seed=7), Plan((50,), 15)),
        (Case(1.0, "errors", 2.0, seed=8), Plan()),
    ],
)
def test_skipping_minutes_that_cannot_deviate_ends_every_run_as_judging_each_one(
    case: Case, plan: Plan
) -> None:
    assert ours(case, plan) == ours(case, plan, every_minute=True)
