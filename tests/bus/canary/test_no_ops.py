"""A canary decision that would change nothing is said so at once: not queued, not audited."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.audit.models import StreamKey
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, records, run, run_deferred, run_worker
from tests.support.deployments import canary_services, start_canary


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def _trail(services: object) -> list[str]:
    return [e.command for e in records(services.audit_log, StreamKey(org=ORG, team="payments"))]  # type: ignore[attr-defined]


def test_holding_a_held_canary_again_changes_nothing_and_says_since_when(
    clock: MovingClock,
) -> None:
    # GIVEN a canary held by oli
    services = canary_services(clock)
    canary = start_canary(services, "43")
    assert not run_deferred(services, f"canary hold {canary}", user="oli", channel="C-pay").failed
    trail = _trail(services)
    # WHEN the Hold is asked again
    again = run(services, f"canary hold {canary}", user="oli", channel="C-pay")
    # THEN it is answered at once, an answer and not a failure, nothing queued or audited
    assert again.tone is Tone.INFO and not again.failed
    assert again.title == (
        f"Nothing to change: checkout-api version 43 ({canary}) is already held "
        "since 09:30 UTC (by @oli)."
    )
    assert [ref.id for ref in again.refs] == ["oli"]  # (Slack mentions who holds it)
    assert "Working on" not in str(blocks(again))
    assert run_worker(services) == []
    assert _trail(services) == trail


def test_resuming_a_running_canary_and_rolling_back_a_rolled_back_one_change_nothing(
    clock: MovingClock,
) -> None:
    services = canary_services(clock)
    canary = start_canary(services, "43")
    resumed = run(services, f"canary resume {canary}", user="oli", channel="C-pay")
    assert resumed.tone is Tone.INFO
    assert resumed.title == (
        f"Nothing to change: checkout-api version 43 ({canary}) is not held, "
        "it is running at 5% (step 1/4)."
    )
    assert not run_deferred(
        services, f"canary rollback {canary}", user="oli", channel="C-pay"
    ).failed
    trail = _trail(services)
    again = run(services, f"canary rollback {canary}", user="oli", channel="C-pay")
    assert (
        again.title
        == f"Nothing to change: checkout-api version 43 ({canary}) is already rolled back."
    )
    assert run_worker(services) == []
    assert _trail(services) == trail


@pytest.mark.parametrize("decision", ["promote", "hold", "resume"])
def test_a_decision_on_a_rolled_back_canary_is_answered_at_once_not_queued(
    clock: MovingClock, decision: str
) -> None:
    # GIVEN a canary rolled back by hand
    services = canary_services(clock)
    canary = start_canary(services, "43")
    assert not run_deferred(
        services, f"canary rollback {canary}", user="oli", channel="C-pay"
    ).failed
    trail = _trail(services)
    # WHEN it is promoted, held or resumed
    again = run(services, f"canary {decision} {canary}", user="oli", channel="C-pay")
    # THEN it is answered at once, saying when it ended, nothing queued or audited
    assert again.tone is Tone.INFO and not again.failed, again
    assert again.title == (
        f"Nothing to change: checkout-api version 43 ({canary}) was rolled back at 09:30 UTC: "
        f"nothing to {decision}."
    )
    assert run_worker(services) == []
    assert _trail(services) == trail


def test_rolling_back_a_promoted_canary_changes_nothing_and_says_how_to_go_back(
    clock: MovingClock,
) -> None:
    services = canary_services(clock)
    canary = start_canary(services, "43")
    assert not run_deferred(
        services, f"canary promote {canary}", user="oli", channel="C-pay"
    ).failed
    trail = _trail(services)
    # WHEN it is rolled back (before: queued, audited, then a Conflict, exit 1)
    again = run(services, f"canary rollback {canary}", user="oli", channel="C-pay")
    # THEN it is answered at once, saying how to go back, nothing queued or audited
    assert again.tone is Tone.INFO and not again.failed, again
    assert again.title.startswith(
        f"Nothing to change: checkout-api version 43 ({canary}) was promoted at "
    ), again.title
    assert again.title.endswith(
        "nothing to roll back: to go back, start a canary of version 41 "
        "(`sre canary start checkout-api --version 41`)."
    ), again.title
    assert run_worker(services) == []
    assert _trail(services) == trail


def test_a_second_promote_queued_before_the_first_ran_is_told_nothing_to_change(
    clock: MovingClock,
) -> None:
    # GIVEN a running canary whose Promote is clicked by two operators before the worker ran
    services = canary_services(clock)
    canary = start_canary(services, "43")
    for user in ("oli", "ann"):
        assert run(services, f"canary promote {canary}", user=user, channel="C-pay").tone is (
            Tone.ACCEPTED
        )
    # WHEN the worker runs both
    first, second = run_worker(services)
    # THEN the first promotes, the second is told there was nothing to change, not a conflict
    assert first.tone is Tone.OK, first.title
    assert second.tone is Tone.INFO and not second.failed, second.title
    assert second.title == (
        f"Nothing to change: checkout-api version 43 ({canary}) is already promoted."
    )
    # AND the second's request is closed in the trail, failed with that fact
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    closed = [
        e for e in entries if e.command.startswith("sre canary promote") and e.actor.user == "ann"
    ]
    assert [e.outcome.value for e in closed] == ["requested", "failed"], closed
    assert closed[-1].details["error"] == second.title


def test_error_rate_is_taken_as_the_canarys_errors(clock: MovingClock) -> None:
    # alerts, chaos and `service signal` call it error_rate: a canary takes that name too
    from shared.canary.commands import StartCanary

    named = StartCanary.model_validate(
        {"service": "checkout-api", "version": "44", "metrics": "error_rate,p99_latency"}
    )
    assert named.metrics == "errors,p99_latency"
    services = canary_services(clock)
    wrong = run(
        services,
        "canary start checkout-api --version 44 --metrics cpu",
        user="oli",
        channel="C-pay",
    )
    assert "use errors, p99_latency (error_rate is errors)" in wrong.title + wrong.text
