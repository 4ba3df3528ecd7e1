"""Only the team that owns a service injects faults into it: a team it was shared with read-only
is refused (plan, start, game day), audited as denied in its own trail, and nothing is recorded
or injected; an experiment left running on a shared copy (from before this rule) is halted by
the next tick."""

from __future__ import annotations

from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.wiring import Services
from shared.chaos.models import ExperimentOutcome, ExperimentState
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, records, run, run_deferred
from tests.support.chaos import chaos_of, chaos_services, start_experiment, ticks

SHARE = "service share checkout-api --to search --team payments"
BREAKING = 'checkout-api --fault error --expect "error_rate < 1%"'
BELONGS = (
    "checkout-api reads `checkout`, which belongs to team payments: only team payments's "
    "experiments inject faults into it."
)


def test_a_team_with_a_read_only_share_cannot_fault_the_owners_service() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    chaos = chaos_of(services)
    # GIVEN payments' checkout-api shared read-only with search, whose admin sam may operate
    assert run(services, SHARE).tone is Tone.OK
    # WHEN sam starts chaos on it for search
    refused = run_deferred(services, f"chaos start {BREAKING} --team search", user="sam")
    # THEN it is denied, saying whose it is; nothing is recorded, nothing injected
    assert refused.tone is Tone.DENIED, refused
    assert BELONGS in refused.text
    assert chaos.store.every() == []
    assert chaos.store.list_for(ORG, "search") == []
    # AND the denial is in search's own trail
    last = records(services.audit_log, StreamKey(org=ORG, team="search"))[-1]
    assert (last.command, last.outcome) == (
        "sre chaos start checkout-api --fault=error --expect='error_rate < 1%' --team=search",
        Outcome.DENIED,  # as it was said: a denial, found by the worker
    )
    # AND a game day on it is refused the same way, a plan names it as what refuses a start
    game_day = f'chaos start {BREAKING} --team search --every 7d --window "Tue 10:00-12:00"'
    assert run_deferred(services, game_day, user="sam").tone is Tone.DENIED
    assert chaos.store.game_days(ORG, "search") == []
    plan = run_deferred(services, f"chaos plan {BREAKING} --team search", user="sam")
    assert plan.title == "Plan: error on checkout-api (would not start)", plan
    assert f"• {BELONGS}" in plan.text
    # AND the owner's own start goes ahead
    start_experiment(services, BREAKING)


def search_registers_the_sample(services: Services) -> None:
    """Team search registers its own checkout-api (the sample, every team's to read)."""
    register = "service register checkout-api --sample checkout --team search"
    assert not run(services, register, user="sam").failed


def searchs_copy_becomes_shared(services: Services) -> None:
    """Search's checkout-api now reads as a copy shared by payments (as one was before starts
    on a shared copy were refused)."""
    search = services.directory.get_team(ORG, "search")
    assert search is not None
    copy = search.services["checkout-api"].model_copy(update={"shared_from": "payments"})
    services.directory.save_team(search.model_copy(update={"services": {"checkout-api": copy}}))


def test_an_experiment_left_running_on_a_shared_copy_is_halted_by_the_next_tick() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    chaos = chaos_of(services)
    # GIVEN search running chaos on its checkout-api, which then reads as a shared copy
    search_registers_the_sample(services)
    assert not run(services, "team bind C-search --team search", user="sam").failed
    reply = run_deferred(services, f"chaos start {BREAKING} --team search", user="sam")
    assert reply.tone is Tone.OK, reply
    experiment = reply.title.split()[1]
    searchs_copy_becomes_shared(services)
    # WHEN the scheduler ticks
    said = ticks(services, clock, 1)
    # THEN it is halted, why said, and its fault removed
    assert f"{experiment} ended: halted" in said, said
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.ENDED
    assert stored.outcome is ExperimentOutcome.HALTED
    assert stored.reason == BELONGS.rstrip(".")
    assert [r.verified for r in stored.rollbacks] == [True]


def test_a_game_day_on_a_copy_shared_since_it_was_scheduled_is_skipped() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    # GIVEN search's game day on its checkout-api, open now, and the service a shared copy since
    search_registers_the_sample(services)
    game_day = f'chaos start {BREAKING} --team search --every 7d --window "Sun 09:00-12:00"'
    assert run_deferred(services, game_day, user="sam").tone is Tone.OK
    searchs_copy_becomes_shared(services)
    # WHEN the scheduler ticks inside its window THEN it is skipped, saying whose it is
    said = ticks(services, clock, 1)
    assert [line.split(": ", 1)[1] for line in said if " skipped: " in line] == [BELONGS]
    assert chaos_of(services).store.list_for(ORG, "search") == []
