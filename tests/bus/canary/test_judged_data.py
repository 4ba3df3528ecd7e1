"""What a canary is judged on: each step on its own minutes at its own weight, gated on the
canary's requests whatever the metrics, and never passed on data it does not have (no stable
data, a metric missing, no traffic at all): "never a false all-clear"."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from shared.adapters.memory import InMemoryCanaryStore
from shared.canary.models import Canary, CanaryState
from shared.canary.steps import UNJUDGED_LIMIT
from shared.config import Settings
from shared.judging.judge import MetricData
from shared.replies import Tone
from shared.telemetry.models import ResourceKind
from tests.support import NOW, ORG, MovingClock, memory_adapters, run, run_deferred, run_scheduler
from tests.support.deployments import ROUTERS, registered_services, router_of


@dataclass(frozen=True)
class Minute:
    """One minute of both versions: requests, errors and p99 (ms); None: not reported."""

    stable: tuple[int, int, float] | None
    canary: tuple[int, int, float] | None


Traffic = Callable[[Canary, datetime], Minute]


class Measured:
    """VersionMetrics over a function of the minute (and the canary, for its weight then)."""

    def __init__(self, traffic: Traffic) -> None:
        self._traffic = traffic

    def compare(self, canary: Canary, *, start: datetime, end: datetime) -> dict[str, MetricData]:
        minutes = [self._traffic(canary, start + timedelta(minutes=i)) for i in _span(start, end)]
        stable = [m.stable for m in minutes if m.stable]
        fresh = [m.canary for m in minutes if m.canary]
        data = {
            "errors": MetricData(
                [float(e) for _, e, _ in stable],
                [float(e) for _, e, _ in fresh],
                sum(n for n, _, _ in stable),
                sum(n for n, _, _ in fresh),
            ),
            "p99_latency": MetricData(
                [p for *_, p in stable],
                [p for *_, p in fresh],
                sum(n for n, _, _ in stable),
                sum(n for n, _, _ in fresh),
            ),
        }
        return {name: data[name] for name in canary.metrics}


def _span(start: datetime, end: datetime) -> range:
    return range(int((end - start).total_seconds() // 60))


def _weight_at(canary: Canary, at: datetime) -> float:
    weight = canary.steps[0]
    for record in canary.history:
        if record.at <= at and record.what in {"advanced", "started"}:
            weight = record.weight
    return weight


def _healthy(at: datetime, weight: float, rate: float = 0.01, p99: float = 380.0) -> Minute:
    noise = random.Random(at.timestamp())
    stable, canary = round(6000 * (1 - weight)), round(6000 * weight)
    return Minute(
        (stable, round(stable * 0.01), 380 * (1 + noise.gauss(0, 0.05))),
        (canary, round(canary * rate), p99 * (1 + noise.gauss(0, 0.05))),
    )


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def _services(clock: MovingClock, traffic: Traffic) -> tuple[object, InMemoryCanaryStore]:
    store = InMemoryCanaryStore()
    adapters = memory_adapters(
        clock, canaries=store, version_metrics={ResourceKind.SAMPLE: Measured(traffic)}
    )
    services = registered_services(Settings(org_admins=("slack:T1:root",)), adapters)
    ROUTERS[id(services)] = adapters.routers[ResourceKind.SAMPLE]
    return services, store


def _start(services: object, flags: str) -> str:
    reply = run_deferred(
        services,  # type: ignore[arg-type]
        f"canary start checkout-api {flags}",
        user="oli",
        channel="C-pay",
    )
    assert reply.tone is Tone.OK, reply
    return reply.title.split()[1]


def _status(services: object, canary: str) -> tuple[str, str]:
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")  # type: ignore[arg-type]
    return shown.title, shown.text


def test_a_canary_failing_half_its_requests_is_never_passed_without_stable_data(
    clock: MovingClock,
) -> None:
    # GIVEN a canary erring on half its requests, and no data for the stable version at all
    services, _ = _services(clock, lambda _, __: Minute(None, (300, 150, 380.0)))
    canary = _start(services, "--version 43 --metrics errors")
    # WHEN it is judged four times
    for _ in range(4):
        run_scheduler(services, clock, 5)  # type: ignore[arg-type]
    # THEN it is never promoted: not judged, saying the stable version has no data
    title, text = _status(services, canary)
    assert title == "Canary checkout-api version 43: running at 5% (step 1/4)"
    assert "not judged: errors: no data for the stable version" in text
    assert router_of(services).route("checkout:live").stable == "41"  # type: ignore[arg-type]


def test_a_step_without_new_data_is_not_passed_on_the_earlier_steps_data(
    clock: MovingClock,
) -> None:
    # GIVEN a canary whose data stops after its first step (10 healthy minutes at 5%)
    cutoff = NOW + timedelta(minutes=10)

    def gap(canary: Canary, at: datetime) -> Minute:
        minute = _healthy(at, _weight_at(canary, at))
        return minute if at < cutoff else Minute(minute.stable, None)

    services, store = _services(clock, gap)
    canary = _start(services, "--version 43 --interval 10m")
    # WHEN the scheduler judges it four times
    for _ in range(4):
        run_scheduler(services, clock, 10)  # type: ignore[arg-type]
    # THEN it advanced once, on its first step's data, and goes no further on no data
    title, text = _status(services, canary)
    assert title == "Canary checkout-api version 43: running at 25% (step 2/4)"
    assert "not enough requests yet to judge errors, p99 latency: 0 of 299" in text
    stored = store.get(ORG, canary)
    assert stored is not None and [r.what for r in stored.history].count("advanced") == 1


def test_a_regression_at_a_heavier_step_is_not_diluted_by_the_earlier_steps(
    clock: MovingClock,
) -> None:
    # GIVEN a canary whose errors triple and p99 doubles once it takes 50% of the traffic
    def heavy(canary: Canary, at: datetime) -> Minute:
        weight = _weight_at(canary, at)
        worse = weight >= 0.5
        return _healthy(at, weight, rate=0.03 if worse else 0.01, p99=760 if worse else 380)

    services, store = _services(clock, heavy)
    canary = _start(services, "--version 43 --interval 10m")
    # WHEN it is judged at each of its steps
    for _ in range(3):
        run_scheduler(services, clock, 10)  # type: ignore[arg-type]
    # THEN it is rolled back at 50%, the earlier steps' verdicts kept in its history
    title, text = _status(services, canary)
    assert title == "Canary checkout-api version 43: rolled back at step 3/4"
    assert "errors 3.0% vs 1.0%" in text
    stored = store.get(ORG, canary)
    assert stored is not None
    assert [r.what for r in stored.history] == ["started", "advanced", "advanced", "rolled back"]


def test_latency_alone_is_still_gated_on_the_canarys_requests(clock: MovingClock) -> None:
    # GIVEN a canary judged on p99 latency alone that serves one request a minute
    def trickle(canary: Canary, at: datetime) -> Minute:
        minute = _healthy(at, 0.05)
        assert minute.canary is not None
        return Minute(minute.stable, (1, 0, minute.canary[2]))

    services, _ = _services(clock, trickle)
    canary = _start(services, "--version 43 --metrics p99_latency")
    # WHEN it is judged four times
    for _ in range(4):
        run_scheduler(services, clock, 5)  # type: ignore[arg-type]
    # THEN it is never promoted on a handful of requests
    title, text = _status(services, canary)
    assert title == "Canary checkout-api version 43: running at 5% (step 1/4)"
    assert "not enough requests yet to judge p99 latency: 20 of 299" in text


@pytest.mark.parametrize("flags", ["--version 43", "--version 43 --replay"])
def test_a_requested_metric_without_data_blocks_the_canary_and_is_named(
    clock: MovingClock, flags: str
) -> None:
    # GIVEN a healthy canary whose p99 latency is not reported for the canary
    def blind(_: Canary, at: datetime) -> Minute:
        minute = _healthy(at, 0.05)
        assert minute.canary is not None
        return Minute(minute.stable, (*minute.canary[:2], float("nan")))

    services, _ = _services(clock, blind)
    canary = _start(services, flags)
    # WHEN it is judged three times
    for _ in range(3):
        run_scheduler(services, clock, 5)  # type: ignore[arg-type]
    # THEN it is neither promoted (with or without the replay set) nor rolled back: it stays,
    # saying which metric has no data, at its weight
    title, text = _status(services, canary)
    assert title == "Canary checkout-api version 43: running at 5% (step 1/4)"
    last = text.splitlines()[-1]
    assert "5% extended ×3 by @scheduler: not judged: p99 latency: no data for the canary" in last


def test_a_canary_that_gets_no_traffic_is_held_and_said(clock: MovingClock) -> None:
    # GIVEN a canary that gets no traffic at all (its callers bypass the alias)
    services, store = _services(clock, lambda _, at: Minute(_healthy(at, 0.0).stable, None))
    canary = _start(services, "--version 43")
    # WHEN it is judged one time fewer than the limit: extended each time
    for _ in range(UNJUDGED_LIMIT - 1):
        run_scheduler(services, clock, 5)  # type: ignore[arg-type]
    assert _status(services, canary)[0].endswith("running at 5% (step 1/4)")
    # AND once more
    run_scheduler(services, clock, 5)  # type: ignore[arg-type]
    # THEN it is held, the channel told it gets no traffic, with Resume and Roll back
    title, text = _status(services, canary)
    assert title == "Canary checkout-api version 43: held at 5% (step 1/4)"
    assert "the canary is getting no traffic" in text.splitlines()[-1]
    stored = store.get(ORG, canary)
    assert stored is not None and stored.state is CanaryState.HOLDING
    message = run(services, f"canary status {canary}", user="vic", channel="C-pay")  # type: ignore[arg-type]
    assert {b.label for b in message.buttons} >= {"Resume", "Roll back"}


def test_a_canary_with_a_trickle_of_traffic_is_on_its_way_not_held_as_getting_none(
    clock: MovingClock,
) -> None:
    # GIVEN a canary that serves 3 requests a minute: 299 take about 100 minutes
    services, _ = _services(clock, lambda _, at: Minute(_healthy(at, 0.0).stable, (3, 0, 380.0)))
    canary = _start(services, "--version 43")
    # WHEN it is judged twice the no-traffic limit
    for _ in range(2 * UNJUDGED_LIMIT):
        run_scheduler(services, clock, 5)  # type: ignore[arg-type]
    # THEN it is still running, extended, never said to get no traffic
    title, text = _status(services, canary)
    assert title == "Canary checkout-api version 43: running at 5% (step 1/4)"
    assert "no traffic" not in text


def test_a_resumed_canary_gets_the_whole_wait_again(clock: MovingClock) -> None:
    # GIVEN a canary held for getting no traffic, then resumed by an operator
    services, store = _services(clock, lambda _, at: Minute(_healthy(at, 0.0).stable, None))
    canary = _start(services, "--version 43")
    for _ in range(UNJUDGED_LIMIT):
        run_scheduler(services, clock, 5)  # type: ignore[arg-type]
    resumed = run_deferred(services, f"canary resume {canary}", user="oli", channel="C-pay")  # type: ignore[arg-type]
    assert resumed.tone is Tone.OK, resumed
    # WHEN it is judged again, fewer times than the limit
    for _ in range(UNJUDGED_LIMIT - 1):
        run_scheduler(services, clock, 5)  # type: ignore[arg-type]
    # THEN it is running: the count of judgements that judged nothing began again at the resume
    stored = store.get(ORG, canary)
    assert stored is not None
    assert stored.state is CanaryState.RUNNING, stored.history[-1]
