"""Judging the investigator itself on a replay set of scenarios with known causes."""

from __future__ import annotations

from collections.abc import Sequence

from shared.bootstrap.wiring import Services
from shared.canary.judge import Label, MetricSpec, count_classify
from shared.canary.replay import (
    Answers,
    Scenario,
    VersionFailedError,
    investigate,
    names_the_cause,
    replay,
    scenarios,
)
from shared.telemetry.models import Signal
from tests.support import NOW, run, run_deferred
from tests.unit.alerts.test_scheduler import Clock
from tests.unit.canary.test_canary import _services, _tick

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


def test_a_replay_canary_of_a_blind_investigator_is_rolled_back() -> None:
    # GIVEN the local simulation, where release 42 of the investigator does not read saturation
    clock = Clock(NOW)
    services = _services(clock)
    reply = run_deferred(
        services,
        "canary start checkout-api --version 42 --replay --metrics p99_latency --critical "
        "p99_latency",
        user="oli",
        channel="C-pay",
    )
    assert reply.tone.value == "ok", reply
    canary = reply.title.split()[1]
    _tick(services, clock, 5)
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert "rolled-back" in shown.title
    assert (
        "investigation_quality: canary 20.0% vs stable 0.0%, p = 0.004, ratio ∞ → High, critical"
        in shown.text
    )


class FailingVersions:
    """Investigator versions whose `failing` version's code fails on the replay set, or whose
    every version is out of reach (`reachable` False)."""

    def __init__(self, failing: str = "", *, reachable: bool = True) -> None:
        self._failing = failing
        self._reachable = reachable

    def findings(self, target: str, version: str, cases: Sequence[Scenario]) -> Answers:
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
    clock = Clock(NOW)
    services = _services(clock, investigators=FailingVersions("43"))
    canary = _replay_canary(services)
    _tick(services, clock, 5)
    # THEN it missed all 40, quiet ones included, and is rolled back
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert "rolled-back" in shown.title
    assert "investigation_quality: canary 100.0% vs stable 0.0%" in shown.text


def test_an_unreachable_investigator_is_a_query_error_never_a_rollback() -> None:
    clock = Clock(NOW)
    services = _services(clock, investigators=FailingVersions(reachable=False))
    canary = _replay_canary(services)
    _tick(services, clock, 5)
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert "running at 5%" in shown.title
    assert "query error by @scheduler: metrics unavailable (cannot invoke checkout:live)" in (
        shown.text
    )
