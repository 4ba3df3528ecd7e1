"""Alert policies end to end on the bus: create, evaluate each minute, fire once, tell the
channel (grouped), acknowledge, silence, escalate, investigate, resolve in place."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from shared.adapters.local.sqlite_alerts import SqliteAlertStore
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.memory import InMemoryAlertStore, InMemoryNotifier, InMemoryTaskQueue
from shared.alerts.ports import AlertStore
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply, Tone
from shared.scheduling.triggers import evaluate_alerts
from tests.support import (
    NOW,
    ORG,
    Overlapping,
    invocation,
    memory_adapters,
    records,
    run,
    setup_teams,
)


class Clock:
    """A clock the test moves (the sample's incident stays 40 minutes before it)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def _services(clock: Clock, store: AlertStore | None = None) -> Services:
    adapters = memory_adapters(clock, alerts=store or InMemoryAlertStore())
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    assert not run(services, "team bind C-search --team search").failed
    register = "service register checkout-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    return services


def _notifier(services: Services) -> InMemoryNotifier:
    assert isinstance(services.notifier, InMemoryNotifier)
    return services.notifier


def _tick(services: Services, clock: Clock, minutes: int = 0) -> Reply:
    clock.at = clock.at + timedelta(minutes=minutes)
    at = invocation("scheduler run-once", channel=None).model_copy(update={"received_at": clock.at})
    reply = services.bus.handle(at)
    assert reply.tone is Tone.OK, reply
    return reply


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def test_two_alerts_of_a_service_fire_once_together_and_resolve_in_place(clock: Clock) -> None:
    services = _services(clock)
    for text in (
        'alert create slow --service checkout-api --when "p99_latency > 800ms for 5m"',
        'alert create errors --service checkout-api --when "error_rate > 2% for 5m"',
    ):
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN the scheduler runs: first both are pending (nothing said), five minutes later both fire
    first = _tick(services, clock)
    assert dict(first.fields)["Fired"] == "none"
    assert _notifier(services).posted == []
    fired = _tick(services, clock, minutes=5)
    assert dict(fired.fields)["Fired"] == "errors, slow"
    # THEN one message in the team's channel names both, with the buttons people need
    ((target, notice),) = _notifier(services).posted
    assert target.channel == "C-pay"
    assert notice.title == "FIRING checkout-api: errors, slow"
    assert "FIRING [page] slow: `p99_latency > 800ms for 5m` now 1,606 ms since 09:35 UTC" in (
        notice.text
    )
    assert [b.label for b in notice.buttons] == [
        "Acknowledge",
        "Silence 1h",
        "Silence 4h",
        "Investigate",
    ]
    # AND a later tick with the same state tells nobody again
    _tick(services, clock, minutes=1)
    assert len(_notifier(services).posted) == 1
    # AND the transitions are audited as the scheduler
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    scheduler = [e.command for e in entries if e.actor.user == "scheduler"]
    assert sorted(scheduler) == ["alert fired errors", "alert fired slow"]
    # WHEN the condition stops holding (the threshold is raised), the alert resolves
    edit = 'alert edit slow --when "p99_latency > 5s for 5m"'
    assert run(services, edit, user="oli", channel="C-pay").tone is Tone.OK
    resolved = _tick(services, clock, minutes=1)
    assert dict(resolved.fields)["Resolved"] == "slow"
    # THEN the original message is updated in place (the other alert still shown firing)
    ((updated_at, update),) = _notifier(services).updated
    assert updated_at.message == "m1"
    assert "resolved [page] slow" in update.text
    assert "FIRING [page] errors" in update.text


def test_an_acknowledged_page_is_not_escalated_and_an_ignored_one_is(clock: Clock) -> None:
    services = _services(clock)
    for name in ("acked", "ignored"):
        text = (
            f'alert create {name} --service checkout-api --when "p99_latency > 800ms" '
            "--escalate-after 15m --escalate-to search"
        )
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    _tick(services, clock)  # `for` 0: both fire at once
    ack = next(b for b in _notifier(services).posted[0][1].buttons if b.label == "Acknowledge")
    assert ack.command == "sre alert ack acked --team=payments"  # the first of the group
    assert run(services, "alert ack acked", user="rey", channel="C-pay").tone is Tone.OK
    _tick(services, clock, minutes=14)
    assert all(t.channel == "C-pay" for t, _ in _notifier(services).posted)
    escalated = _tick(services, clock, minutes=1)
    assert dict(escalated.fields)["Escalated"] == "ignored"
    (target, notice) = _notifier(services).posted[-1]
    assert target.channel == "C-search"
    assert notice.title.startswith("Escalated: checkout-api alert ignored of team payments")
    _tick(services, clock, minutes=5)  # escalated once only
    assert sum(t.channel == "C-search" for t, _ in _notifier(services).posted) == 1


def test_a_silenced_alert_is_evaluated_but_nobody_is_told(clock: Clock) -> None:
    services = _services(clock)
    run(
        services,
        'alert create slow --service checkout-api --when "p99_latency > 800ms"',
        user="oli",
        channel="C-pay",
    )
    silenced = run(services, "alert silence slow --duration 1h", user="rey", channel="C-pay")
    assert silenced.title.startswith("slow silenced until 10:30 UTC")
    fired = _tick(services, clock)
    assert dict(fired.fields)["Fired"] == "slow"
    assert _notifier(services).posted == []
    listed = run(services, "silence list", user="vic", channel="C-pay")
    assert "active · alert=slow" in next(iter(dict(listed.fields).values()))


def test_investigate_opens_one_in_the_alerts_thread(clock: Clock) -> None:
    services = _services(clock)
    text = 'alert create slow --service checkout-api --when "p99_latency > 800ms" --investigate'
    run(services, text, user="oli", channel="C-pay")
    _tick(services, clock)
    ((_, notice),) = _notifier(services).posted
    assert dict(notice.fields)["Investigation"].startswith("opening")
    # the scheduler asked for `sre investigate`; the worker runs it and posts in the thread
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    (task,) = tasks.drain()
    assert task.invocation.actor.user == "scheduler"
    report = services.answer(task)
    assert "after deploy v42 of checkout-api" in report.title
    (where, _) = _notifier(services).posted[-1]
    assert (where.channel, where.thread) == ("C-pay", "m1")


def test_alert_test_says_what_would_happen_and_tells_nobody(clock: Clock) -> None:
    services = _services(clock)
    run(
        services,
        'alert create slow --service checkout-api --when "p99_latency > 800ms"',
        user="oli",
        channel="C-pay",
    )
    run(services, "alert test slow", user="vic", channel="C-pay")
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    (task,) = tasks.drain()
    reply = services.bus.resume(task)
    assert reply.title == "Test of slow: it would FIRE and the channel would be told"
    assert " ms · condition holds" in reply.text, reply.text  # the latest value has its unit
    assert _notifier(services).posted == []
    shown = run(services, "alert show slow", user="vic", channel="C-pay")
    assert "State: inactive" in shown.text


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_two_overlapping_scheduler_runs_tell_a_transition_once(
    clock: Clock, tmp_path: Path, kind: str
) -> None:
    store: AlertStore = (
        InMemoryAlertStore()
        if kind == "memory"
        else SqliteAlertStore(SqliteDatabase(tmp_path / "autosre.db"))
    )
    services = _services(clock, store=store)
    for n in range(5):
        text = f'alert create a{n} --service checkout-api --when "p99_latency > 800ms"'
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    overlapping = _services(clock, store=Overlapping(store))  # type: ignore[arg-type]
    overlapping_notifier = _notifier(overlapping)
    replies: list[Reply] = []
    threads = [
        threading.Thread(target=lambda: replies.append(_tick(overlapping, clock))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fired = sorted(name for r in replies for name in dict(r.fields)["Fired"].split(", "))
    assert [f for f in fired if f != "none"] == [f"a{n}" for n in range(5)]
    # every transition is told exactly once (the two runs may each group the ones they won)
    told = sorted(
        name
        for _, notice in overlapping_notifier.posted
        for name in notice.title.removeprefix("FIRING checkout-api: ").split(", ")
    )
    assert told == [f"a{n}" for n in range(5)]


def test_only_pages_escalate(clock: Clock) -> None:
    services = _services(clock)
    text = (
        'alert create quiet --service checkout-api --when "p99_latency > 800ms" --severity ticket '
        "--escalate-after 15m --escalate-to search"
    )
    assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    _tick(services, clock)
    escalated = _tick(services, clock, minutes=20)
    assert dict(escalated.fields)["Escalated"] == "none"
    assert all(t.channel == "C-pay" for t, _ in _notifier(services).posted)
    shown = run(services, "alert show quiet", user="vic", channel="C-pay")
    assert "Only pages escalate: this ticket stays in its channel" in shown.text


def test_an_org_admin_runs_the_scheduler_for_their_own_org_only(clock: Clock) -> None:
    # GIVEN org T1's alert about to fire, and the admin of another org (a Teams tenant)
    adapters = memory_adapters(clock, alerts=InMemoryAlertStore())
    services = build(Settings(org_admins=("slack:T1:root", "teams:tenant-x:eve")), adapters)
    setup_teams(services)
    register = "service register checkout-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    create = 'alert create slow --service checkout-api --when "p99_latency > 800ms for 5m"'
    assert run(services, create, user="oli", channel="C-pay").tone is Tone.OK
    _tick(services, clock)
    clock.at = clock.at + timedelta(minutes=5)
    # WHEN the other org's admin runs `sre scheduler run-once` from Teams
    other = Invocation(
        actor=Actor(platform=Platform.TEAMS, org=OrgId("teams:tenant-x"), user=UserId("eve")),
        channel="19:x",
        text="scheduler run-once",
        correlation_id="ref-eve",
        received_at=clock.at,
        reply_to=ReplyTarget(platform=Platform.TEAMS, channel="19:x"),
    )
    reply = services.bus.handle(other)
    # THEN org T1's alert is neither evaluated, named, nor told by it
    assert reply.tone is Tone.OK, reply
    assert reply.title == "Scheduler: 0 alert policies evaluated"
    assert "slow" not in str(reply.fields)
    assert _notifier(services).posted == []
    # AND the scheduled trigger (every org) still fires it
    fired = evaluate_alerts(services.bus, trigger="evt-1", now=clock.at)
    assert dict(fired.fields)["Fired"] == "slow"
