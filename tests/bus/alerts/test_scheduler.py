"""Alert policies end to end on the bus: create, evaluate each minute, fire once, tell the
channel (grouped), acknowledge, silence, escalate, investigate, resolve in place."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from shared.adapters.local.sqlite_alerts import SqliteAlertStore
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.memory import InMemoryAlertStore, InMemoryTaskQueue
from shared.alerts.ports import AlertStore
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import build
from shared.config import Settings
from shared.replies import Tone
from shared.scheduling.triggers import run_tick
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    Overlapping,
    foreign_run_once,
    memory_adapters,
    notifier_of,
    overlapping_runs,
    records,
    run,
    run_deferred,
    run_scheduler,
    setup_teams,
)
from tests.support.deployments import alerting_services


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def test_two_alerts_of_a_service_fire_once_together_and_resolve_in_place(
    clock: MovingClock,
) -> None:
    services = alerting_services(clock)
    for text in (
        'alert create slow --service checkout-api --when "p99_latency > 800ms for 5m"',
        'alert create errors --service checkout-api --when "error_rate > 2% for 5m"',
    ):
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN the scheduler runs: first both are pending (nothing said), five minutes later both fire
    first = run_scheduler(services, clock)
    assert dict(first.fields)["Fired"] == "none"
    assert notifier_of(services).posted == []
    fired = run_scheduler(services, clock, minutes=5)
    assert dict(fired.fields)["Fired"] == "errors, slow"
    # THEN one message in the team's channel names both, with the buttons people need
    ((target, notice),) = notifier_of(services).posted
    assert target.channel == "C-pay"
    assert notice.title == "FIRING checkout-api: errors, slow"
    assert "FIRING [page] slow: `p99_latency > 800ms for 5m` now 1,606 ms since 09:35 UTC" in (
        notice.text
    )
    assert [b.label for b in notice.buttons] == [
        "Acknowledge errors",
        "Silence 1h errors",
        "Silence 4h errors",
        "Acknowledge slow",
        "Silence 1h slow",
        "Silence 4h slow",
        "Investigate",
    ]
    # AND a later tick with the same state tells nobody again
    run_scheduler(services, clock, minutes=1)
    assert len(notifier_of(services).posted) == 1
    # AND the transitions are audited as the scheduler
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    scheduler = [e.command for e in entries if e.actor.user == "scheduler"]
    assert sorted(scheduler) == ["alert fired errors", "alert fired slow"]
    # AND `audit show --action` finds them by their words, as it finds a person's commands
    assert run(services, "org grant root auditor").tone is Tone.OK
    for action in ("alert fired", "alert", "sre alert fired"):
        shown = run_deferred(services, f'audit show --team payments --action "{action}"')
        assert "alert fired errors" in shown.text and "alert fired slow" in shown.text, action
    assert (
        "No matching entries"
        in run_deferred(services, 'audit show --team payments --action "alert fire"').title
    )
    # WHEN the condition stops holding (the threshold is raised), the alert resolves
    edit = 'alert edit slow --when "p99_latency > 5s for 5m"'
    assert run(services, edit, user="oli", channel="C-pay").tone is Tone.OK
    resolved = run_scheduler(services, clock, minutes=1)
    assert dict(resolved.fields)["Resolved"] == "slow"
    # THEN the original message is updated in place (the other alert still shown firing)
    ((updated_at, update),) = notifier_of(services).updated
    assert updated_at.message == "m1"
    assert "resolved [page] slow" in update.text
    assert "FIRING [page] errors" in update.text


def test_an_acknowledged_page_is_not_escalated_and_an_ignored_one_is(clock: MovingClock) -> None:
    services = alerting_services(clock)
    for name in ("acked", "ignored"):
        text = (
            f'alert create {name} --service checkout-api --when "p99_latency > 800ms" '
            "--escalate-after 15m --escalate-to search"
        )
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    run_scheduler(services, clock)  # `for` 0: both fire at once
    buttons = notifier_of(services).posted[0][1].buttons
    ack = next(b for b in buttons if b.label == "Acknowledge acked")
    assert ack.command == "sre alert ack acked --team=payments"  # each alert its own buttons
    assert run(services, ack.command, user="rey", channel="C-pay").tone is Tone.OK
    run_scheduler(services, clock, minutes=14)
    assert all(t.channel == "C-pay" for t, _ in notifier_of(services).posted)
    escalated = run_scheduler(services, clock, minutes=1)
    assert dict(escalated.fields)["Escalated"] == "ignored"
    # AND its audit entry is of the tick that escalated it, after the firing's (before: the
    # minute it fired, so the trail's times ran backwards; found by a newcomer's afternoon)
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    (entry,) = [e for e in entries if e.command == "alert escalated to search ignored"]
    assert entry.time == clock.now()
    assert [e.time for e in entries] == sorted(e.time for e in entries)
    (target, notice) = notifier_of(services).posted[-1]
    assert target.channel == "C-search"
    assert notice.title.startswith("Escalated: checkout-api alert ignored of team payments")
    run_scheduler(services, clock, minutes=5)  # escalated once only
    assert sum(t.channel == "C-search" for t, _ in notifier_of(services).posted) == 1


def test_each_alert_of_a_message_has_its_own_buttons_the_page_first(clock: MovingClock) -> None:
    # GIVEN a ticket and a page of one service that fire together, the ticket first by name
    # (before: the buttons acted on the first alert alone, the ticket, so the page
    # "acknowledged" from its message escalated all the same)
    services = alerting_services(clock)
    for name, severity in (("a-ticket", "ticket"), ("b-page", "page")):
        text = (
            f'alert create {name} --service checkout-api --when "p99_latency > 800ms" '
            f"--severity {severity} --escalate-after 15m --escalate-to search"
        )
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    run_scheduler(services, clock)
    ((_, notice),) = notifier_of(services).posted
    # THEN the page's buttons come first, each named, then the ticket's
    labels = [b.label for b in notice.buttons]
    assert labels[:3] == ["Acknowledge b-page", "Silence 1h b-page", "Silence 4h b-page"]
    assert labels[3:] == [
        "Acknowledge a-ticket",
        "Silence 1h a-ticket",
        "Silence 4h a-ticket",
        "Investigate",
    ]
    # WHEN the page is acknowledged with its button
    assert run(services, notice.buttons[0].command, user="rey", channel="C-pay").tone is Tone.OK
    # THEN it is not escalated (a ticket never is)
    escalated = run_scheduler(services, clock, minutes=15)
    assert dict(escalated.fields)["Escalated"] == "none"
    assert all(t.channel == "C-pay" for t, _ in notifier_of(services).posted)


def test_a_silenced_alert_is_evaluated_but_nobody_is_told(clock: MovingClock) -> None:
    services = alerting_services(clock)
    run(
        services,
        'alert create slow --service checkout-api --when "p99_latency > 800ms"',
        user="oli",
        channel="C-pay",
    )
    silenced = run(services, "alert silence slow --duration 1h", user="rey", channel="C-pay")
    assert silenced.title.startswith("slow silenced for 1h, until 10:30 UTC")
    fired = run_scheduler(services, clock)
    assert dict(fired.fields)["Fired"] == "slow (silenced: nobody told)"
    assert notifier_of(services).posted == []
    listed = run(services, "silence list", user="vic", channel="C-pay")
    assert "active · alert slow" in next(iter(dict(listed.fields).values()))


def test_investigate_opens_one_in_the_alerts_thread(clock: MovingClock) -> None:
    services = alerting_services(clock)
    text = 'alert create slow --service checkout-api --when "p99_latency > 800ms" --investigate'
    run(services, text, user="oli", channel="C-pay")
    run_scheduler(services, clock)
    ((_, notice),) = notifier_of(services).posted
    assert dict(notice.fields)["Investigation"].startswith("requested")
    # the scheduler asked for `sre investigate`; the worker runs it and posts in the thread
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    (task,) = tasks.drain()
    assert task.invocation.actor.user == "scheduler"
    report = services.run_task(task)
    assert "after deploy v42 of checkout-api" in report.title
    (where, _) = notifier_of(services).posted[-1]
    assert (where.channel, where.thread) == ("C-pay", "m1")


def test_alert_test_says_what_would_happen_and_tells_nobody(clock: MovingClock) -> None:
    services = alerting_services(clock)
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
    assert "The latest point breaches `p99_latency > 800ms`: the condition holds." in reply.text
    assert "P99 latency now 1," in reply.text and " ms." in reply.text  # the value with its unit
    assert notifier_of(services).posted == []
    shown = run(services, "alert show slow", user="vic", channel="C-pay")
    assert "State: not evaluated yet" in shown.text  # a test judges nothing for the scheduler


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_two_overlapping_scheduler_runs_tell_a_transition_once(
    clock: MovingClock, tmp_path: Path, kind: str
) -> None:
    store: AlertStore = (
        InMemoryAlertStore()
        if kind == "memory"
        else SqliteAlertStore(SqliteDatabase(tmp_path / "autosre.db"))
    )
    services = alerting_services(clock, store=store)
    for n in range(5):
        text = f'alert create a{n} --service checkout-api --when "p99_latency > 800ms"'
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    overlapping = alerting_services(clock, store=Overlapping(store))  # type: ignore[arg-type]
    overlapping_notifier = notifier_of(overlapping)
    replies = overlapping_runs(overlapping, clock)
    fired = sorted(name for r in replies for name in dict(r.fields)["Fired"].split(", "))
    assert [f for f in fired if f != "none"] == [f"a{n}" for n in range(5)]
    # every transition is told exactly once (the two runs may each group the ones they won)
    told = sorted(
        name
        for _, notice in overlapping_notifier.posted
        for name in notice.title.removeprefix("FIRING checkout-api: ").split(", ")
    )
    assert told == [f"a{n}" for n in range(5)]


def test_only_pages_escalate(clock: MovingClock) -> None:
    services = alerting_services(clock)
    text = (
        'alert create quiet --service checkout-api --when "p99_latency > 800ms" --severity ticket '
        "--escalate-after 15m --escalate-to search"
    )
    assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    run_scheduler(services, clock)
    escalated = run_scheduler(services, clock, minutes=20)
    assert dict(escalated.fields)["Escalated"] == "none"
    assert all(t.channel == "C-pay" for t, _ in notifier_of(services).posted)
    shown = run(services, "alert show quiet", user="vic", channel="C-pay")
    assert "Only pages escalate: this ticket stays in its channel" in shown.text


def test_an_org_admin_runs_the_scheduler_for_their_own_org_only(clock: MovingClock) -> None:
    # GIVEN org T1's alert about to fire, and the admin of another org (a Teams tenant)
    adapters = memory_adapters(clock, alerts=InMemoryAlertStore())
    services = build(Settings(org_admins=("slack:T1:root", "teams:tenant-x:eve")), adapters)
    setup_teams(services)
    register = "service register checkout-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    create = 'alert create slow --service checkout-api --when "p99_latency > 800ms for 5m"'
    assert run(services, create, user="oli", channel="C-pay").tone is Tone.OK
    run_scheduler(services, clock)
    clock.at = clock.at + timedelta(minutes=5)
    # WHEN the other org's admin runs `sre scheduler run-once` from Teams
    other = foreign_run_once(clock.at)
    reply = services.bus.handle(other)
    # THEN org T1's alert is neither evaluated, named, nor told by it
    assert reply.tone is Tone.OK, reply
    assert reply.title == "Scheduler: 0 alert policies evaluated"
    assert "slow" not in str(reply.fields)
    assert notifier_of(services).posted == []
    # AND the scheduled trigger (every org) still fires it
    fired = run_tick(services.bus, trigger="evt-1", now=clock.at)
    assert dict(fired.fields)["Fired"] == "slow"


def test_a_silence_made_in_the_minute_of_a_tick_mutes_its_page(clock: MovingClock) -> None:
    # GIVEN an alert that fires at once, silenced 20 seconds into a minute
    clock.at = NOW + timedelta(seconds=20)
    services = alerting_services(clock)
    text = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'
    assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    assert not run(services, "alert silence slow --duration 1h", user="rey", channel="C-pay").failed
    # WHEN the scheduler runs in that same minute, the alert fires
    fired = run_scheduler(services, clock)
    assert dict(fired.fields)["Fired"] == "slow (silenced: nobody told)"
    # THEN nobody is paged: the silence was active when the notice would have been sent
    assert notifier_of(services).posted == []


def test_a_silenced_page_does_not_escalate_until_its_silence_ends(clock: MovingClock) -> None:
    # GIVEN a page that escalates after 15m, fired, then silenced for 1h
    services = alerting_services(clock)
    text = (
        'alert create slow --service checkout-api --when "p99_latency > 800ms" '
        "--escalate-after 15m --escalate-to search"
    )
    assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    run_scheduler(services, clock)
    assert not run(services, "alert silence slow --duration 1h", user="rey", channel="C-pay").failed
    # WHEN nobody acknowledges it for 20 minutes, THEN team search is not told while it is silenced
    escalated = run_scheduler(services, clock, minutes=20)
    assert dict(escalated.fields)["Escalated"] == "none"
    assert not any(t.channel == "C-search" for t, _ in notifier_of(services).posted)
    # AND once the silence is over, the page still unacknowledged escalates
    escalated = run_scheduler(services, clock, minutes=41)
    assert dict(escalated.fields)["Escalated"] == "slow"


@pytest.mark.parametrize("name", ["slow", "p99-above-800ms-for-five-minutes-checkout"])
def test_two_teams_alerts_of_one_name_each_open_their_own_investigation(name: str) -> None:
    # GIVEN teams payments and search, each with an alert named `slow` that investigates
    clock = MovingClock(NOW)
    services = alerting_services(clock)
    register = "service register web --sample checkout"
    assert not run(services, register, user="sam", channel="C-search").failed
    for user, channel, service in (("oli", "C-pay", "checkout-api"), ("sam", "C-search", "web")):
        create = (
            f'alert create {name} --service {service} --when "p99_latency > 800ms" --investigate'
        )
        assert not run(services, create, user=user, channel=channel).failed
    # WHEN both fire in the same tick and the worker runs what it queued
    run_scheduler(services, clock)
    assert isinstance(services.tasks, InMemoryTaskQueue)
    for task in services.tasks.drain():
        services.run_task(task)
    # THEN each team has its own investigation: one team's alert name never stands in for the
    # other's (the run-once key named the alert and the minute, not its team)
    for user, channel in (("oli", "C-pay"), ("sam", "C-search")):
        listed = run(services, "investigation list", user=user, channel=channel)
        assert "inv-" in listed.text + str(listed.fields), (user, listed)


def test_a_second_run_in_the_same_minute_says_its_policies_are_not_due(clock: MovingClock) -> None:
    # GIVEN a policy judged by this minute's run
    services = alerting_services(clock)
    create = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'
    assert run(services, create, user="oli", channel="C-pay").tone is Tone.OK
    assert run_scheduler(services, clock, 1).title == "Scheduler: 1 alert policy evaluated"
    # WHEN the scheduler runs again in the same minute
    again = run_scheduler(services, clock)
    # THEN it says why it evaluated none
    assert again.title == "Scheduler: 0 alert policies evaluated (1 not due yet this minute)"
