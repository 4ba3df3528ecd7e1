"""Replay canaries through the bus: a release of the investigator judged on the replay set,
rolled back when it misses, a query error when unreachable."""

from __future__ import annotations

from collections.abc import Sequence

from shared.bootstrap.wiring import Services
from shared.canary.replay import (
    Scenario,
    ScenarioFindings,
    VersionFailedError,
    investigate,
)
from tests.support import NOW, MovingClock, run, run_deferred, run_scheduler
from tests.support.deployments import canary_services


def test_a_replay_canary_of_a_blind_investigator_is_rolled_back() -> None:
    # GIVEN the local simulation, where release 42 of the investigator does not read saturation
    clock = MovingClock(NOW)
    services = canary_services(clock)
    reply = run_deferred(
        services,
        "canary start checkout-api --version 42 --replay --metrics p99_latency --critical "
        "p99_latency",
        user="oli",
        channel="C-pay",
    )
    assert reply.tone.value == "ok", reply
    canary = reply.title.split()[1]
    run_scheduler(services, clock, 5)
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert "rolled back" in shown.title
    assert (
        "investigation_quality 20.0% vs 0.0%, none on stable, very likely "
        "(p = 0.004; n = 40 vs 40 requests) → High, critical" in shown.text
    )


class FailingVersions:
    """Investigator versions whose `failing` version's code fails on the replay set, or whose
    every version is out of reach (`reachable` False)."""

    def __init__(self, failing: str = "", *, reachable: bool = True) -> None:
        self._failing = failing
        self._reachable = reachable

    def findings(self, target: str, version: str, cases: Sequence[Scenario]) -> ScenarioFindings:
        if not self._reachable:
            raise ConnectionError(f"cannot invoke {target}")
        if version == self._failing:
            raise VersionFailedError(f"{target} version {version} raised KeyError")
        return [investigate(case) for case in cases]


def _replay_canary(services: Services) -> str:
    reply = run_deferred(
        services,
        "canary start checkout-api --version 43 --replay --metrics p99_latency",
        user="oli",
        channel="C-pay",
    )
    assert reply.tone.value == "ok", reply
    return reply.title.split()[1]


def test_a_release_whose_code_fails_on_the_replay_set_missed_every_scenario() -> None:
    # GIVEN release 43 of the investigator fails on the replay set (healthy otherwise)
    clock = MovingClock(NOW)
    services = canary_services(clock, investigators=FailingVersions("43"))
    canary = _replay_canary(services)
    run_scheduler(services, clock, 5)
    # THEN it missed all 40, quiet ones included, and is rolled back
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert "rolled back" in shown.title
    assert "investigation_quality 100.0% vs 0.0%, none on stable, certain" in shown.text


def test_an_unreachable_investigator_is_a_query_error_never_a_rollback() -> None:
    clock = MovingClock(NOW)
    services = canary_services(clock, investigators=FailingVersions(reachable=False))
    canary = _replay_canary(services)
    run_scheduler(services, clock, 5)
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert "running at 5%" in shown.title
    assert "query error by @scheduler: metrics unavailable (cannot invoke checkout:live)" in (
        shown.text
    )
