"""Game days through the bus on the sample's simulation: `sre chaos start … --every 7d --window
"Sun 10:00-12:00"` keeps a schedule; the scheduler's ticks start it once inside the window (UTC),
not outside, again in the next period; skipped, said once and audited, while a page fires or the
safety lever is engaged; on a production service a second operator still approves; bad windows
and periods refused with their usage. NOW is Sunday 22 Nov 2026, 09:30 UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.adapters.memory import InMemoryAuditLog
from shared.adapters.memory_owed import InMemoryOwedEntries
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services
from shared.chaos.game_days import MOST_GAME_DAYS
from shared.chaos.models import ExperimentState
from shared.replies import Tone
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    channel_messages,
    records,
    run,
    run_deferred,
)
from tests.support.chaos import HARMLESS, chaos_of, chaos_services, schedule_game_day, ticks


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def schedule(services: Services, window: str = "Sun 10:00-12:00") -> str:
    """A weekly game day of the harmless fault in `window`, scheduled by oli in C-pay; its id."""
    return schedule_game_day(services, window)


def started(lines: list[str]) -> list[str]:
    """The experiments the ticks said a game day started."""
    return [line.split()[2].rstrip(":") for line in lines if " started chx-" in line]


def scheduler_steps(services: Services) -> list[str]:
    """The scheduler's entries in payments' audit trail."""
    return [
        e.command
        for e in records(services.audit_log, StreamKey(org=ORG, team="payments"))
        if e.actor.user == "scheduler"
    ]


def skips_said(services: Services) -> list[str]:
    """The skips said in the team's channel, by title."""
    return [r.title for _, r in channel_messages(services) if "skipped" in r.title]


def test_a_game_day_starts_once_inside_its_window_and_again_the_next_week(
    clock: MovingClock,
) -> None:
    services = chaos_services(clock)
    game_day = schedule(services)
    # THEN nothing is injected now; it is listed with its window in UTC
    assert chaos_of(services).store.list_for(ORG, "payments") == []
    listed = dict(run(services, "chaos list --scheduled", user="vic", channel="C-pay").fields)
    assert listed[game_day].startswith(
        "delay:100ms on checkout-api every 7 days, Sun 10:00-12:00 UTC; steps 1,5,25%; "
        "expects p99_latency < 2s; by @oli; not run yet"
    )
    # WHEN the scheduler ticks up to the window THEN nothing starts
    assert started(ticks(services, clock, 29)) == []  # to 09:59
    # WHEN it ticks through the window THEN it starts once, at 10:00
    first = started(ticks(services, clock, 120))  # to 11:59
    assert len(first) == 1
    experiment = chaos_of(services).store.get(ORG, first[0])
    assert experiment is not None and experiment.started_by == "oli"
    assert experiment.started_at == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert f"chaos game day started {game_day}" in scheduler_steps(services)
    # AND not on the next days, only in the next week's window
    clock.at = datetime(2026, 11, 29, 9, 58, tzinfo=UTC)
    assert started(ticks(services, clock, 1)) == []
    again = started(ticks(services, clock, 1))  # 10:00 next Sunday
    assert len(again) == 1 and again != first
    assert scheduler_steps(services).count(f"chaos game day started {game_day}") == 2


def test_a_game_day_is_skipped_while_a_page_fires_said_once(clock: MovingClock) -> None:
    services = chaos_services(clock)
    game_day = schedule(services, "Sun 09:00-12:00")  # NOW (09:30) is inside
    # GIVEN a page-severity policy on the sample, whose p99 is past 800 ms (its incident)
    policy = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'
    assert not run(services, policy, user="oli", channel="C-pay").failed
    # WHEN the scheduler ticks while it fires THEN the game day is skipped, said once
    lines = ticks(services, clock, 3)
    assert started(lines) == []
    assert [line for line in lines if "skipped" in line] == [
        f"{game_day} skipped: its team is in a real outage (page `slow` firing on "
        "checkout-api): no chaos until it is over."
    ]
    assert skips_said(services) == [
        f"Game day {game_day} skipped: delay:100ms on checkout-api every 7 days, "
        "Sun 09:00-12:00 UTC"
    ]
    assert scheduler_steps(services).count(f"chaos game day skipped {game_day}") == 1
    assert chaos_of(services).store.list_for(ORG, "payments") == []


def test_a_game_day_is_skipped_while_the_lever_is_engaged_then_starts(clock: MovingClock) -> None:
    services = chaos_services(clock)
    game_day = schedule(services, "Sun 09:00-12:00")
    assert not run_deferred(services, "chaos halt --all", user="root", channel="C-pay").failed
    lines = ticks(services, clock, 2)
    assert started(lines) == []
    assert any("skipped: the org's safety lever is engaged by @root" in line for line in lines)
    (said,) = [r for _, r in channel_messages(services) if "skipped" in r.title]
    assert said.title.startswith(f"Game day {game_day} skipped")
    assert "sre chaos unhalt" in said.text
    # WHEN an org admin releases the lever THEN the next tick inside the window starts it
    assert not run(services, "chaos unhalt", user="root", channel="C-pay").failed
    assert len(started(ticks(services, clock, 1))) == 1
    assert len(skips_said(services)) == 1


def test_on_a_production_service_a_game_day_waits_for_a_second_operator(
    clock: MovingClock,
) -> None:
    services = chaos_services(clock, production=True)
    game_day = schedule(services, "Sun 09:00-12:00")
    (line,) = [x for x in ticks(services, clock, 1) if " started " in x]
    assert line.endswith(": awaiting approval")
    experiment = line.split()[2].rstrip(":")
    # its creator counts as the first operator: he may not approve it
    own = run_deferred(services, f"chaos approve {experiment}", user="oli", channel="C-pay")
    assert own.tone is Tone.DENIED
    approved = run_deferred(services, f"chaos approve {experiment}", user="opal", channel="C-pay")
    assert approved.tone is Tone.OK and "started" in approved.title
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.RUNNING
    assert (stored.started_by, stored.approved_by) == ("oli", "opal")
    assert game_day in stored.history[0].reason


@pytest.mark.parametrize(
    ("options", "why"),
    [
        ('--every 7d --window "Tue 10-12"', "use a day and two times, e.g. Tue 10:00-12:00"),
        ('--every 7d --window "Tue 12:00-10:00"', "ends before it starts"),
        ('--every 7d --window "Someday 10:00-12:00"', "is not a window"),
        ('--every 7d --window "Tue 25:00-26:00"', "has no such time"),
        ('--every 100d --window "Tue 10:00-12:00"', "too long for --every: at most 90d"),
        ('--every 12h --window "Tue 10:00-12:00"', "too short for --every: at least 1d"),
        ("--every 7d", "a game day needs both --every (whole weeks: 7d to 84d) and --window"),
    ],
)
def test_bad_periods_and_windows_are_refused_with_their_usage(
    clock: MovingClock, options: str, why: str
) -> None:
    services = chaos_services(clock)
    reply = run(services, f"chaos start {HARMLESS} {options}", user="oli", channel="C-pay")
    assert reply.failed and why in reply.title, reply
    assert chaos_of(services).store.game_days(ORG, "payments") == []


def test_an_unscheduled_game_day_starts_no_more(clock: MovingClock) -> None:
    services = chaos_services(clock)
    game_day = schedule(services, "Sun 09:00-12:00")
    unknown = run(services, "chaos unschedule chs-abcdef", user="oli", channel="C-pay")
    assert unknown.failed and "Team payments has no game day `chs-abcdef`" in unknown.text
    gone = run(services, f"chaos unschedule {game_day}", user="oli", channel="C-pay")
    assert gone.title == f"Game day {game_day} unscheduled"
    assert started(ticks(services, clock, 2)) == []
    none = run(services, "chaos list --scheduled", user="vic", channel="C-pay")
    assert none.title == "Team payments has no game days"


def test_a_game_day_whose_start_cannot_be_audited_does_not_start_until_it_can() -> None:
    clock, log = MovingClock(NOW), InMemoryAuditLog()
    services = chaos_services(clock, audit_log=log)
    game_day = schedule(services, "Sun 09:00-12:00")
    # WHEN the tick inside the window finds the audit trail unavailable
    log.failing = True
    said = ticks(services, clock, 1)
    log.failing = False
    # THEN nothing is injected, said; the next tick, with the trail back, starts it, audited
    assert said == [f"{game_day} not started: the audit trail is unavailable"]
    assert chaos_of(services).store.list_for(ORG, "payments") == []
    assert len(started(ticks(services, clock, 1))) == 1
    assert f"chaos game day started {game_day}" in scheduler_steps(services)


def test_a_team_keeps_a_bounded_number_of_game_days(clock: MovingClock) -> None:
    services = chaos_services(clock)
    for minute in range(MOST_GAME_DAYS):  # each its own window (the same command twice is one)
        schedule(services, f"Sun 10:{minute:02d}-12:00")
    # WHEN one more is scheduled THEN it is refused, saying how to make room, and nothing is kept
    more = run_deferred(
        services,
        f'chaos start {HARMLESS} --every 7d --window "Sun 11:00-12:00"',
        user="oli",
        channel="C-pay",
    )
    assert more.failed
    assert f"keeps at most {MOST_GAME_DAYS} game days" in more.text
    assert len(chaos_of(services).store.game_days(ORG, "payments")) == MOST_GAME_DAYS


def test_the_same_game_day_is_kept_once(clock: MovingClock) -> None:
    services = chaos_services(clock)
    kept = schedule(services, "Sun 10:00-12:00")
    entries = len(records(services.audit_log, StreamKey(org=ORG, team="payments")))
    # WHEN the same plan is scheduled again, its options in another order
    again = run(
        services,
        f'chaos start {HARMLESS} --window "sun 10:00-12:00" --every 168h',
        user="oli",
        channel="C-pay",
    )
    # THEN nothing is kept or audited, and the reply names the game day that runs it
    assert again.tone is Tone.INFO
    assert again.title.startswith(
        f"Nothing to change: team payments keeps this game day already ({kept}, "
    )
    assert [g.id for g in chaos_of(services).store.game_days(ORG, "payments")] == [kept]
    assert len(records(services.audit_log, StreamKey(org=ORG, team="payments"))) == entries
    # BUT the same plan in another window is another game day
    other = schedule(services, "Sun 13:00-15:00")
    assert {g.id for g in chaos_of(services).store.game_days(ORG, "payments")} == {kept, other}


def test_a_game_day_skipped_while_the_trail_is_down_is_audited_when_it_is_back(
    clock: MovingClock,
) -> None:
    log, owed = InMemoryAuditLog(), InMemoryOwedEntries()
    services = chaos_services(clock, audit_log=log, owed=owed)
    game_day = schedule(services, "Sun 09:00-12:00")  # NOW (09:30) is inside
    # GIVEN the lever engaged from the FIS console and the audit trail down
    chaos_of(services).lever.engage(ORG, by="console", reason="drill", at=clock.at)
    log.failing = True
    # WHEN the scheduler skips the game day THEN the skip is said and its entry owed
    lines = ticks(services, clock, 1)
    assert [line for line in lines if "skipped" in line] != []
    assert [d.command for d in owed.owed()] == [f"chaos game day skipped {game_day}"]
    # WHEN the trail is back THEN the next tick writes it, once
    log.failing = False
    assert "1 owed audit entry written" in ticks(services, clock, 2)
    assert scheduler_steps(services).count(f"chaos game day skipped {game_day}") == 1
    assert owed.owed() == []


def test_the_same_plan_by_another_operator_is_a_game_day_of_its_own() -> None:
    # GIVEN oli's game day (a skip whose creator lost the role says to schedule it again)
    services = chaos_services(MovingClock(NOW))
    kept = schedule(services, "Sun 10:00-12:00")
    # WHEN opal schedules the same plan THEN it is kept, as that advice says
    again = run_deferred(
        services,
        f'chaos start {HARMLESS} --every 7d --window "Sun 10:00-12:00"',
        user="opal",
        channel="C-pay",
    )
    assert again.tone is Tone.OK and again.title.startswith("Game day chs-"), again
    assert len(chaos_of(services).store.game_days(ORG, "payments")) == 2
    assert kept in {g.id for g in chaos_of(services).store.game_days(ORG, "payments")}


def test_unscheduling_says_which_of_its_runs_carries_on(clock: MovingClock) -> None:
    # GIVEN a production game day whose run awaits approval
    services = chaos_services(clock, production=True)
    game_day = schedule(services, "Sun 09:00-12:00")
    (line,) = [x for x in ticks(services, clock, 1) if " started " in x]
    experiment = line.split()[2].rstrip(":")
    # WHEN it is unscheduled
    done = run(services, f"chaos unschedule {game_day}", user="oli", channel="C-pay")
    # THEN the answer names the run that carries on, and how to stop it
    assert done.title == f"Game day {game_day} unscheduled"
    assert done.text == (
        f"Its run {experiment} (awaiting approval) carries on: `sre chaos halt {experiment}` "
        "stops it."
    )
