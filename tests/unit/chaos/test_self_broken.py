"""A steady state its fault breaks by itself (`expectations.broken`): an `error` fault fails
every request it faults, so an error-rate bound under what the fault alone makes can only end
deviated, which drills the halt and the rollback but tests nothing of the service."""

from __future__ import annotations

import pytest

from shared.adapters.aws.cloudwatch_chaos import CloudWatchFaultMetrics
from shared.adapters.local.simulated_chaos import InMemoryChaosState, SimulatedFaultMetrics
from shared.chaos.expectations import broken
from shared.chaos.models import Fault

SIMULATED = SimulatedFaultMetrics(state=InMemoryChaosState())
"""Reads the faulted share apart: every request of it fails under `error`, is slowed by a delay."""
CLOUDWATCH = CloudWatchFaultMetrics()
"""Reads the whole service: `error` on p% fails p% of it."""


def split(
    fault: str, expect: list[str], percents: list[int], own: dict[str, float] | None = None
) -> list[str]:
    """What the plan says on the simulation (`own`: the service's latency before the start)."""
    return broken(Fault.parse(fault), expect, percents, SIMULATED.fault_alone, split=True, own=own)


def whole(fault: str, expect: list[str], percents: list[int]) -> list[str]:
    """What the plan says on AWS."""
    return broken(Fault.parse(fault), expect, percents, CLOUDWATCH.fault_alone, split=False)


def test_an_error_bound_under_an_error_fault_read_apart_cannot_hold_at_any_step() -> None:
    said = split("error", ["error_rate < 1%"], [1, 5, 25])
    assert said == [
        "`error_rate < 1%` cannot hold: `error` fails every request of the faulted share, and "
        "each step is judged on that share alone, so it would end deviated as soon as its "
        "first step is judged: a drill of the halt and the rollback, not a test of the service; "
        "to test how the service copes, slow requests instead "
        '(--fault delay:1500ms --expect "p99_latency < 2s").'
    ]


@pytest.mark.parametrize("fault", ["error", "http-status:503", "http-status:599"])
def test_every_fault_that_fails_requests_breaks_it(fault: str) -> None:
    assert split(fault, ["error_rate <= 50%"], [1])


@pytest.mark.parametrize(
    ("fault", "expect"),
    [
        ("delay:1500ms", "error_rate < 1%"),  # a delay fails nothing by itself
        ("delay:1500ms", "p99_latency < 2s"),  # the service's own latency decides
        ("http-status:404", "error_rate < 1%"),  # a 4xx is the client's answer, no error
        ("error", "p99_latency < 2s"),  # not an error-rate bound
        ("error", "error_rate <= 100%"),  # every request failing is within it
    ],
)
def test_a_bound_the_fault_alone_does_not_break_is_not_said(fault: str, expect: str) -> None:
    assert split(fault, [expect], [1, 5, 25]) == []
    assert whole(fault, [expect], [1, 5, 25]) == []


def test_error_rate_under_100_percent_is_broken_when_read_apart() -> None:
    assert split("error", ["error_rate < 100%"], [1])


def test_on_the_whole_service_the_first_step_at_or_over_the_bound_is_named_with_both_fixes() -> (
    None
):
    said = whole("error", ["error_rate < 10%"], [1, 5, 25])
    assert said == [
        "`error_rate < 10%` cannot hold from the 25% step: `error` fails 25% of the service's "
        "requests by itself, and each step is judged on the whole service, so it would end "
        "deviated there: a drill of the halt and the rollback, not a test of the service; to "
        "verify its failures do not spread, bound it above the largest step (--expect "
        '"error_rate < 30%"), or keep to the steps that do not break it (--percent 1,5).'
    ]


def test_a_bound_at_the_steps_own_share_leaves_no_room_for_the_services_errors() -> None:
    # 1% faulted on the whole service is 1% of errors before any of its own
    said = whole("error", ["error_rate <= 1%"], [1, 5])
    assert len(said) == 1 and said[0].startswith("`error_rate <= 1%` cannot hold from the 1% step")
    assert '(--expect "error_rate < 6%").' in said[0]  # no step under it to keep to
    assert whole("error", ["error_rate < 6%"], [1, 5]) == []


def test_each_broken_bound_is_said_once() -> None:
    expects = ["p99_latency < 2s", "error_rate < 1%", "error_rate < 2%"]
    said = split("error", expects, [1, 5, 25])
    assert [line.split("`")[1] for line in said] == ["error_rate < 1%", "error_rate < 2%"]


def test_a_delay_at_or_over_a_latency_bound_breaks_it_on_the_faulted_share() -> None:
    said = split("delay:3000ms", ["p99_latency < 2s", "p50_latency < 3000ms"], [1, 5])
    # one delay offered to both: one that every latency bound leaves room for
    assert said == [
        "`p99_latency < 2s` cannot hold: `delay:3000ms` slows every request of the faulted share "
        "by 3,000 ms, and each step is judged on that share alone, so it would end deviated as "
        "soon as its first step is judged: a drill of the halt and the rollback, not a test of "
        "the service; to test how the service copes, delay less (--fault delay:1500ms) or bound "
        "it above the delay and the service's own latency.",
        "`p50_latency < 3000ms` cannot hold: `delay:3000ms` slows every request of the faulted "
        "share by 3,000 ms, and each step is judged on that share alone, so it would end "
        "deviated as soon as its first step is judged: a drill of the halt and the rollback, not "
        "a test of the service; to test how the service copes, delay less (--fault "
        "delay:1500ms) or bound it above the delay and the service's own latency.",
    ]


def test_a_delay_under_a_bound_breaks_it_on_top_of_the_services_own_latency() -> None:
    # GIVEN a p99 of 381 ms before the start: a delay of 1,999 ms makes the faulted share 2,380
    own = {"p99_latency": 381.0, "p50_latency": 120.0}
    expect = ["p99_latency < 2s", "p50_latency < 1s"]
    said = split("delay:1999ms", expect, [1, 5], own)
    assert said == [
        "`p99_latency < 2s` cannot hold: `delay:1999ms` slows every request of the faulted share "
        "by 1,999 ms, on top of its p99 of ~381 ms in the last 10 minutes (2,380 ms), "
        "and each step is judged on that share alone, so it would end deviated as soon as its "
        "first step is judged: a drill of the halt and the rollback, not a test of the service; "
        "to test how the service copes, "
        "delay less (--fault delay:600ms) or bound it above 2,380 ms.",
        "`p50_latency < 1s` cannot hold: `delay:1999ms` slows every request of the faulted share "
        "by 1,999 ms, on top of its p50 of ~120 ms in the last 10 minutes (2,119 ms), "
        "and each step is judged on that share alone, so it would end deviated as soon as its "
        "first step is judged: a drill of the halt and the rollback, not a test of the service; "
        "to test how the service copes, "
        "delay less (--fault delay:600ms) or bound it above 2,119 ms.",
    ]
    # AND the delay offered breaks neither (880 ms of room under the p50 bound, a quarter spared)
    assert split("delay:600ms", expect, [1, 5], own) == []


def test_a_little_room_offers_half_of_it_and_none_offers_no_delay() -> None:
    own = {"p99_latency": 386.0}
    tight = split("delay:600ms", ["p99_latency < 600ms"], [1], own)
    assert "delay less (--fault delay:107ms) or bound it above 986 ms." in tight[0]
    none = split("delay:1ms", ["p99_latency < 1ms"], [1], own)
    assert none[0].endswith("to test how the service copes, bound it above 387 ms.")


def test_on_the_whole_service_a_delay_sets_the_p99_once_more_than_1_percent_is_delayed() -> None:
    said = whole("delay:3000ms", ["p99_latency < 2s", "p50_latency < 2s"], [1, 5, 25])
    assert said == [
        "`p99_latency < 2s` cannot hold from the 5% step: `delay:3000ms` slows 5% of the "
        "service's requests by 3,000 ms, more than the 1% its p99 leaves out, and each step is "
        "judged on the whole service, so it would end deviated there: a drill of the halt and "
        "the rollback, not a test of the service; to test how the service copes, delay less "
        "(--fault delay:1500ms) or bound it above the delay and the service's own latency, or "
        "keep to the steps that do not break it (--percent 1)."
    ]


def test_a_simulation_of_a_given_strength_breaks_nothing_by_itself() -> None:
    scaled = SimulatedFaultMetrics(state=InMemoryChaosState(), scale=2.0)
    for fault, expect in (("error", "error_rate < 1%"), ("delay:3000ms", "p99_latency < 2s")):
        assert broken(Fault.parse(fault), [expect], [1], scaled.fault_alone, split=True) == []


def test_an_error_faults_suggested_delay_leaves_room_under_its_own_latency_bounds() -> None:
    own = {"p50_latency": 128.0}
    said = split("error", ["error_rate < 1%", "p50_latency < 200ms"], [1], own)
    assert said[0].endswith(
        "to test how the service copes, slow requests instead (--fault delay:36ms)."
    )
    assert split("delay:36ms", ["error_rate < 1%", "p50_latency < 200ms"], [1], own) == []


def test_a_delay_near_the_longest_is_never_told_to_bound_it_above_what_may_be_written() -> None:
    # GIVEN the longest delay there is, on top of a p99 of 381 ms
    said = split("delay:900000ms", ["p99_latency < 2s"], [1], own={"p99_latency": 381.0})
    # THEN it offers a shorter delay, not a bound above 900,000 ms (which `--expect` refuses)
    assert len(said) == 1
    assert said[0].endswith(
        "to test how the service copes, delay less (--fault delay:1200ms): no latency bound is "
        "above 900,000 ms."
    ), said[0]
