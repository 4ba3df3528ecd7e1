"""What the simulation says a fault truly does to the faulted share (the chaos bench's true
breach): the means its minutes are drawn around, at a known strength or the fault's own."""

from __future__ import annotations

from datetime import timedelta
from statistics import fmean

import pytest

from shared.adapters.local.simulated_chaos import expected, minute
from shared.chaos.models import Fault
from tests.support import NOW


@pytest.mark.parametrize(
    ("fault", "scale", "errors", "p99"),
    [
        ("error", 2.0, 0.4, 380.0),
        ("delay:380ms", 2.0, 0.2, 760.0),
        ("error", 1.0, 0.2, 380.0),
        ("delay:1500ms", None, 0.2, 1880.0),
        ("http-status:503", None, 100.0, 380.0),
        ("http-status:404", None, 0.2, 380.0),
    ],
)
def test_a_faults_true_error_rate_and_p99(
    fault: str, scale: float | None, errors: float, p99: float
) -> None:
    assert expected(Fault.parse(fault), scale=scale) == pytest.approx((errors, p99))


def test_the_minutes_are_drawn_around_what_it_says() -> None:
    fault = Fault.parse("error")
    minutes = [
        minute("checkout", NOW + timedelta(minutes=i), 0.5, fault, 100.0, scale=2.0)
        for i in range(200)
    ]
    rate = 100.0 * sum(m.errors for m in minutes) / sum(m.requests for m in minutes)
    assert rate == pytest.approx(expected(fault, scale=2.0)[0], rel=0.1)
    assert fmean(m.p99 for m in minutes) == pytest.approx(380.0, rel=0.05)
