"""The steady state before a start, judged on the minutes before it, never a point check: a
service surely past its bound is refused; a quiet one is started, its baseline said thin."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from shared.adapters.local.simulated_chaos import InMemoryChaosState, SimulatedFaultInjector
from shared.adapters.memory import FixedClock, InMemoryChaosStore, InMemoryDirectory
from shared.chaos.guards import binomial_over
from shared.chaos.injecting import Injecting
from shared.chaos.models import Experiment, ExperimentState, Fault, SteadyState
from shared.judging.judge import MetricData
from shared.judging.stats import binomial_tail
from shared.telemetry.models import ResourceKind, Service, Signal
from shared.telemetry.queries import queries_for

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
SERVICE = Service(
    name="checkout-api",
    kind=ResourceKind.SAMPLE,
    resource="checkout",
    queries=queries_for(ResourceKind.SAMPLE, "checkout"),
    registered_by="ana",
    registered_at=NOW,
)


class Minutes:
    """The metrics port answering the minutes before the start it was given."""

    splits_shares = True

    def __init__(self, data: dict[str, MetricData]) -> None:
        self.data = data

    def fault_alone(self, fault: Fault, signal: Signal, percent: int) -> float:
        return 0.0  # never asked: only the minutes before a start are read here

    def compare(
        self, service: Service, signals: Sequence[str], *, start: datetime, end: datetime
    ) -> dict[str, MetricData]:
        return self.data


def before(
    *expect: str, errors: tuple[int, int] = (0, 6000), p99: Sequence[float] = ()
) -> SteadyState:
    """The check before a start of `expect` on 10 minutes of `errors` (errors, requests) and
    per-minute `p99`s."""
    data = {
        "error_rate": MetricData(
            control=[errors[0] / 10] * 10, experiment=[], control_total=errors[1]
        ),
        "p99_latency": MetricData(control=list(p99), experiment=[]),
    }
    clock = FixedClock(NOW)
    injecting = Injecting(
        store=InMemoryChaosStore(),
        directory=InMemoryDirectory(),
        injector=SimulatedFaultInjector(state=InMemoryChaosState(), clock=clock),
        metrics=Minutes(data),
    )
    draft = Experiment(
        id="chx-0001",
        org="slack:T1",
        team="payments",
        service=SERVICE.name,
        kind=ResourceKind.SAMPLE,
        fault=Fault.parse("error"),
        expectations=list(expect),
        state=ExperimentState.STARTING,
        step_started_at=NOW,
        started_by="ana",
        started_at=NOW,
    )
    return injecting.before(draft, SERVICE, NOW)


def test_a_quiet_healthy_service_with_two_errors_starts_its_baseline_said_thin() -> None:
    # 1 request a second: 600 requests, 2 errors (0.33%) against 0.3%: chance at 0.2%, not a
    # broken service (this refused 37% of healthy starts at 1 req/s)
    found = before("error_rate < 0.3%", errors=(2, 600))
    assert found.met
    assert (
        "error rate 0.333% on 600 requests (over error_rate < 0.3% but not surely"
        in (found.reasons[0])
    )
    assert "a thin baseline" in found.reasons[0]
    assert found.requests == 600


def test_a_service_surely_past_its_error_bound_is_refused() -> None:
    found = before("error_rate < 0.3%", errors=(30, 6000))  # 0.5% on 6,000 requests
    assert not found.met
    assert found.reasons == [
        "error rate 0.5% on 6,000 requests (breaks error_rate < 0.3%, p = 0.006)"
    ]


def test_within_the_bound_on_too_few_requests_to_see_it_is_met_and_said_thin() -> None:
    found = before("error_rate < 0.3%", errors=(0, 300))
    assert found.met
    assert found.reasons == [
        "error rate 0% on 300 requests (meets error_rate < 0.3%; a thin baseline)"
    ]


def test_latency_past_its_bound_in_most_minutes_is_refused_in_a_few_is_not() -> None:
    slow = before("p99_latency < 570ms", p99=[600.0] * 9 + [500.0])
    assert not slow.met
    assert "breaks p99_latency < 570ms in 9 of 10 minutes" in slow.reasons[0]
    unsure = before("p99_latency < 570ms", p99=[600.0] * 6 + [500.0] * 4)
    assert unsure.met
    assert (
        "over p99_latency < 570ms in 6 of 10 minutes, not surely: a thin baseline"
        in (unsure.reasons[0])
    )


def test_the_tail_past_the_bound_is_the_binomial_tail() -> None:
    for events, total, rate in [(2, 600, 0.003), (30, 6000, 0.003), (5, 40, 0.05), (7, 7, 0.5)]:
        assert abs(binomial_over(events, total, rate) - binomial_tail(events, total, rate)) < 1e-9
