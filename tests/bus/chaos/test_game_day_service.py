"""A game day is bound to the resource its service named when it was scheduled: the service is
not removed under it (even with --force), and a run never faults another resource registered
later under the same name. NOW is Sunday 22 Nov 2026, 09:30 UTC."""

from __future__ import annotations

from datetime import timedelta

from shared.bootstrap.wiring import Services
from tests.support import NOW, ORG, MovingClock, run
from tests.support.chaos import chaos_of, chaos_services, schedule_game_day, ticks

_REGISTERED_AGAIN = (
    "checkout-api was registered again since this game day was scheduled, now for checkout; "
    "`sre chaos unschedule {game_day}` and schedule it again."
)


def _schedule(clock: MovingClock) -> tuple[Services, str]:
    services = chaos_services(clock)
    return services, schedule_game_day(services)


def test_a_service_with_a_game_day_is_not_removed_even_with_force() -> None:
    services, game_day = _schedule(MovingClock(NOW))
    # WHEN its operator removes the service, with and without --force
    for force in ("", " --force"):
        refused = run(services, f"service remove checkout-api{force}", user="oli", channel="C-pay")
        # THEN it is refused, naming the game day and how to unschedule it
        assert refused.failed
        assert (
            f"checkout-api has 1 game day scheduled ({game_day}): unschedule it first "
            f"(`sre chaos unschedule {game_day} --team payments`)."
        ) in refused.text
    # AND once it is unscheduled, the service is removed
    assert not run(services, f"chaos unschedule {game_day}", user="oli", channel="C-pay").failed
    removed = run(services, "service remove checkout-api", user="oli", channel="C-pay")
    assert not removed.failed, removed


def test_a_game_day_never_faults_another_resource_under_its_services_name() -> None:
    clock = MovingClock(NOW)
    services, game_day = _schedule(clock)
    store = chaos_of(services).store
    # GIVEN the game day was scheduled when checkout-api named a Lambda function (kept as its
    # store keeps it), and checkout-api now names the sample
    (kept,) = store.game_days(ORG, "payments")
    store.save_game_day(kept.model_copy(update={"service_key": "aws-lambda:old-checkout-fn"}))
    # WHEN the scheduler ticks inside its window
    lines = ticks(services, clock, 3)
    # THEN nothing is injected: it is skipped, saying why and what to do
    assert store.list_for(ORG, "payments") == []
    assert lines == [f"{game_day} skipped: {_REGISTERED_AGAIN.format(game_day=game_day)}"]


def test_a_game_day_kept_before_its_resource_was_does_not_run_on_a_later_registration() -> None:
    clock = MovingClock(NOW)
    services, game_day = _schedule(clock)
    store = chaos_of(services).store
    # GIVEN a game day kept before game days recorded their resource, scheduled a day before
    # checkout-api's registration
    (kept,) = store.game_days(ORG, "payments")
    older = {"service_key": "", "created_at": NOW - timedelta(days=1)}
    store.save_game_day(kept.model_copy(update=older))
    # WHEN the scheduler ticks inside its window THEN it is skipped, nothing injected
    assert ticks(services, clock, 3) == [
        f"{game_day} skipped: {_REGISTERED_AGAIN.format(game_day=game_day)}"
    ]
    assert store.list_for(ORG, "payments") == []


def test_a_game_day_kept_before_its_resource_was_runs_on_an_older_registration() -> None:
    clock = MovingClock(NOW)
    services, game_day = _schedule(clock)
    store = chaos_of(services).store
    # GIVEN the same, scheduled after checkout-api's registration
    (kept,) = store.game_days(ORG, "payments")
    store.save_game_day(kept.model_copy(update={"service_key": ""}))
    # THEN it runs
    assert any(f"{game_day} started chx-" in line for line in ticks(services, clock, 3))


def test_a_game_day_scheduled_now_runs_on_the_resource_it_was_scheduled_on() -> None:
    clock = MovingClock(NOW)
    services, game_day = _schedule(clock)
    # THEN its record keeps the resource, and its run (same registration) starts
    (kept,) = chaos_of(services).store.game_days(ORG, "payments")
    assert kept.service_key == "sample:payments/checkout-api"
    assert any(f"{game_day} started chx-" in line for line in ticks(services, clock, 3))
