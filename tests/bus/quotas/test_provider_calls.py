"""The `provider-calls-per-hour` quota through the bus: every call an investigation, an alert
test or an alert tick makes to the provider is counted to the team whose work made it, exactly as
many as the provider saw; an investigation or an alert test of a team with none left this hour is
refused before any call; the scheduled evaluation of alerts is never refused."""

from __future__ import annotations

from datetime import timedelta

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.adapters.memory import InMemoryTaskQueue
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.replies import Reply, Tone
from shared.telemetry.models import ResourceKind
from tests.support import (
    NOW,
    MovingClock,
    investigate,
    invocation,
    memory_adapters,
    notifier_of,
    run,
    run_scheduler,
    setup_teams,
)
from tests.support.deployments import REGISTER

SEARCH = "service register search-api --sample checkout --team search"
REFUSED = (
    "Team payments has used {used} of its 1 provider calls this hour (quota "
    "`provider-calls-per-hour`), so this was not done; it resets at 10:00 UTC. An org admin "
    "can raise it: `sre quota set provider-calls-per-hour 10 --team payments`."
)


def _services(clock: MovingClock, sample: SampleMetricsSource) -> Services:
    adapters = memory_adapters(clock, metrics={ResourceKind.SAMPLE: sample})
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    assert not run(services, "team bind C-search --team search").failed
    assert not run(services, REGISTER, user="oli").failed
    assert not run(services, SEARCH, user="sam", channel="C-search").failed
    return services


def _used(services: Services, team: str) -> int:
    shown = dict(run(services, f"quota show --team {team}").fields)["provider-calls-per-hour"]
    return int(shown.split(" of ")[0].replace(",", ""))


def test_an_investigations_provider_calls_are_counted_to_its_team_exactly() -> None:
    clock = MovingClock(NOW)
    sample = SampleMetricsSource(clock=clock)
    services = _services(clock, sample)
    before = sample.calls
    # WHEN payments investigates twice
    assert not investigate(services, "investigate checkout-api --window 3h").failed
    assert not investigate(services, "investigate checkout-api --window 1h").failed
    # THEN its counter holds exactly the calls the provider saw, and search's none
    assert sample.calls > before
    assert _used(services, "payments") == sample.calls - before
    assert _used(services, "search") == 0


def test_an_investigation_with_no_calls_left_this_hour_is_refused_before_any_call() -> None:
    clock = MovingClock(NOW)
    sample = SampleMetricsSource(clock=clock)
    services = _services(clock, sample)
    assert not run(services, "quota set provider-calls-per-hour 1 --team payments").failed
    # GIVEN a first investigation that used the hour's one call (a read under way is finished)
    assert not investigate(services, "investigate checkout-api --window 3h").failed
    used, calls = _used(services, "payments"), sample.calls
    assert used >= 1
    # WHEN the team asks again the same hour
    refused = investigate(services, "investigate checkout-api --window 1h")
    # THEN it is refused in words, and the provider was never asked
    assert refused.tone is Tone.ERROR
    assert refused.text == REFUSED.format(used=used)
    assert sample.calls == calls
    # AND the next hour it runs again
    clock.at = NOW + timedelta(hours=1)
    assert not investigate(services, "investigate checkout-api --window 2h").failed


def test_an_alert_ticks_batched_read_is_split_between_the_teams_it_served_and_never_refused() -> (
    None
):
    clock = MovingClock(NOW)
    sample = SampleMetricsSource(clock=clock)
    services = _services(clock, sample)
    for limit in ("provider-calls-per-hour", "investigations-per-day"):
        assert not run(services, f"quota set {limit} 0").failed  # every team: none at all
    create = 'alert create {name} --service {service} --when "p99_latency > 800ms"'
    for name, service, user, channel in [
        ("slow", "checkout-api", "oli", "C-pay"),
        ("slower", "checkout-api", "oli", "C-pay"),
        ("slow", "search-api", "sam", "C-search"),
    ]:
        said = run(services, create.format(name=name, service=service), user=user, channel=channel)
        assert not said.failed, said
    before = sample.calls
    # WHEN the scheduler evaluates the alerts for three minutes
    for minute in range(3):
        run_scheduler(services, clock, minutes=min(minute, 1))
    # THEN they fired (a quota never blocks an alert)
    titles = [reply.title for _, reply in notifier_of(services).posted]
    assert titles == ["FIRING checkout-api: slow, slower", "FIRING search-api: slow"]
    # AND every call the provider saw is counted, split by the policies each read served
    made = sample.calls - before
    assert made >= 3
    assert _used(services, "payments") + _used(services, "search") == made


def _tested(services: Services, n: int) -> Reply:
    """`alert test slow` asked by payments' viewer in C-pay (the `n`th ask, its own reference,
    as each real delivery has), as the worker answers it."""
    asked = invocation("alert test slow", user="vic", channel="C-pay")
    accepted = services.bus.handle(asked.model_copy(update={"correlation_id": f"ref-test-{n}"}))
    assert accepted.tone is Tone.ACCEPTED, accepted
    assert isinstance(services.tasks, InMemoryTaskQueue)
    (task,) = services.tasks.drain()
    return services.run_task(task)


def test_an_alert_test_counts_its_calls_and_is_refused_like_any_read_once_the_hour_is_spent() -> (
    None
):
    clock = MovingClock(NOW)
    sample = SampleMetricsSource(clock=clock)
    services = _services(clock, sample)
    create = 'alert create slow --service checkout-api --when "p99_latency > 800ms for 5m"'
    assert not run(services, create, user="oli", channel="C-pay").failed
    assert not run(services, "quota set provider-calls-per-hour 3 --team payments").failed
    # WHEN the team's viewer tests the alert six times in the hour
    said, made = [], []
    for n in range(6):
        before = sample.calls
        said.append(_tested(services, n))
        made.append(sample.calls - before)
    # THEN the tests run while calls are left (one call each here), each counted as made
    assert [reply.failed for reply in said] == [False] * 3 + [True] * 3
    assert made == [1, 1, 1, 0, 0, 0]
    assert _used(services, "payments") == 3
    # AND the others are refused before any call, saying the limit, the use and the reset
    assert {(reply.tone, reply.text) for reply in said[3:]} == {
        (
            Tone.ERROR,
            "Team payments has used 3 of its 3 provider calls this hour (quota "
            "`provider-calls-per-hour`), so this was not done; it resets at 10:00 UTC. An org "
            "admin can raise it: `sre quota set provider-calls-per-hour 10 --team payments`.",
        )
    }
    # AND the scheduled evaluation still reads (never refused), and the next hour tests run again
    before = sample.calls
    run_scheduler(services, clock, minutes=1)
    assert sample.calls > before
    clock.at = NOW + timedelta(hours=1)
    assert not _tested(services, 6).failed
