"""The local simulation of faults on the sample: each fault shows in the faulted share only, the
numbers are the same on a re-run, and injections and the lever are real records."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from statistics import median

import pytest

from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    SimulatedSafetyLever,
    SqliteChaosState,
)
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.chaos.models import Fault, Injection
from shared.errors import UnavailableError
from shared.identity.models import OrgId
from shared.judging.judge import MetricData
from shared.telemetry.models import ResourceKind
from tests.support import NOW, MovingClock, service_of

SAMPLE = service_of(ResourceKind.SAMPLE, "checkout", name="checkout-api")
SIGNALS = ("error_rate", "p99_latency")


def faulted(
    fault: str, percent: int = 25, *, rps: float = 100.0, scale: float | None = None
) -> dict[str, MetricData]:
    """Ten minutes of the sample with `fault` on `percent`% of its requests (at `scale`)."""
    state, clock = InMemoryChaosState(), MovingClock(NOW)
    injector = SimulatedFaultInjector(state=state, clock=clock)
    injection = Injection(key="chx-1-0", percent=percent)
    injector.inject(SAMPLE, Fault.parse(fault), injection, minutes=30)
    metrics = SimulatedFaultMetrics(state=state, rps=rps, scale=scale)
    end = NOW + timedelta(minutes=10)
    return dict(metrics.compare(SAMPLE, SIGNALS, start=NOW, end=end))


def test_a_delay_adds_to_the_faulted_shares_latency_only() -> None:
    data = faulted("delay:1500ms")
    latency = data["p99_latency"]
    assert 1700 < median(latency.experiment) < 2100
    assert 300 < median(latency.control) < 460


@pytest.mark.parametrize(
    ("fault", "fails"),
    [
        ("error", True),
        ("http-status:503", True),
        ("http-status:404", False),
        ("delay:200ms", False),
    ],
)
def test_error_and_5xx_fail_the_faulted_requests_a_4xx_does_not(fault: str, fails: bool) -> None:
    errors = faulted(fault)["error_rate"]
    rate = sum(errors.experiment) / errors.experiment_total
    assert (rate == 1.0) is fails
    assert sum(errors.control) / errors.control_total < 0.01


@pytest.mark.parametrize("fault", ["error", "http-status:503"])
def test_a_scaled_error_fault_multiplies_the_healthy_error_rate_instead_of_failing_all(
    fault: str,
) -> None:
    # 25% of 100 rps for 10 minutes: about 15,000 faulted requests, 30 errors when healthy
    doubled = faulted(fault, scale=2.0)["error_rate"]
    assert 0.003 < sum(doubled.experiment) / doubled.experiment_total < 0.005
    same = faulted(fault, scale=1.0)["error_rate"]
    assert 0.001 < sum(same.experiment) / same.experiment_total < 0.003


def test_a_scaled_delay_multiplies_the_latency_instead_of_adding_its_delay() -> None:
    doubled = faulted("delay:1500ms", scale=2.0)["p99_latency"]
    assert 680 < median(doubled.experiment) < 840  # 2 x 380 ms, not 380 + 1500
    same = faulted("delay:1500ms", scale=1.0)["p99_latency"]
    assert 340 < median(same.experiment) < 420
    assert 300 < median(doubled.control) < 460


def test_the_share_and_the_rate_decide_the_requests_and_a_rerun_sees_the_same() -> None:
    first, again = faulted("error", 5), faulted("error", 5)
    assert first == again
    errors = first["error_rate"]
    assert 2700 < errors.experiment_total < 3300  # 5% of 60,000
    slow = faulted("error", 5, rps=1.0)["error_rate"]
    assert 10 < slow.experiment_total < 50  # 5% of 600


def test_a_removed_injection_faults_no_later_minute_and_removing_again_is_no_error() -> None:
    state, clock = InMemoryChaosState(), MovingClock(NOW)
    injector = SimulatedFaultInjector(state=state, clock=clock)
    handle = injector.inject(
        SAMPLE, Fault.parse("error"), Injection(key="k", percent=5), minutes=30
    )
    assert (
        injector.inject(SAMPLE, Fault.parse("error"), Injection(key="k", percent=5), minutes=30)
        == handle
    )
    clock.at = NOW + timedelta(minutes=3)
    assert not injector.removed(handle)
    injector.remove(handle)
    injector.remove(handle)
    assert injector.removed(handle)
    data = SimulatedFaultMetrics(state=state).compare(
        SAMPLE, SIGNALS, start=NOW, end=NOW + timedelta(minutes=6)
    )
    assert len(data["error_rate"].experiment) == 3
    assert len(data["error_rate"].control) == 6


def test_injections_and_the_lever_outlive_the_process_in_sqlite(tmp_path: Path) -> None:
    clock = MovingClock(NOW)
    first = SqliteChaosState(SqliteDatabase(tmp_path / "autosre.db"))
    injector = SimulatedFaultInjector(state=first, clock=clock)
    handle = injector.inject(SAMPLE, Fault.parse("error"), Injection(key="k", percent=1), minutes=5)
    SimulatedSafetyLever(state=first).engage(OrgId("T1"), by="root", reason="outage", at=NOW)
    later = SqliteChaosState(SqliteDatabase(tmp_path / "autosre.db"))
    again = SimulatedFaultInjector(state=later, clock=clock)
    assert not again.removed(handle)
    again.remove(handle)
    assert injector.removed(handle)
    lever = SimulatedSafetyLever(state=later)
    assert lever.state(OrgId("T1")).engaged and lever.state(OrgId("T1")).reason == "outage"
    assert not lever.state(OrgId("T2")).engaged


def test_only_the_sample_is_simulated() -> None:
    state = InMemoryChaosState()
    injector = SimulatedFaultInjector(state=state, clock=MovingClock(NOW))
    lambda_service = service_of(ResourceKind.AWS_LAMBDA, "checkout-fn")
    (problem,) = injector.preflight(lambda_service, Fault.parse("error"))
    assert "only faults the bundled sample" in problem.what
    assert injector.preflight(SAMPLE, Fault.parse("delay:100ms")) == []
    # AND another service's minutes are not invented: reading them says why it cannot
    with pytest.raises(UnavailableError, match=r"checkout \(aws-lambda `checkout-fn`\) is not the"):
        SimulatedFaultMetrics(state=state).compare(
            lambda_service, SIGNALS, start=NOW - timedelta(minutes=10), end=NOW
        )
