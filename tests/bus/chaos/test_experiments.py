"""Whole chaos experiments through the bus on the embedded default's simulation of the sample:
planned, stepped 1 → 5 → 25% on a harmless fault, a breaking one deviating and rolled back, one
message updated in place (as Slack renders it), a journal in Chaos Toolkit's shape."""

from __future__ import annotations

import json

import pytest

from bots.slack.render import blocks
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import build
from shared.config import Settings
from shared.identity.models import OrgId
from shared.replies import Tone
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    channel_messages,
    memory_adapters,
    notifier_of,
    records,
    run,
    run_deferred,
    run_scheduler,
    setup_teams,
)
from tests.support.chaos import chaos_of, chaos_services, injector_of, start_experiment, ticks

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
BREAKING = 'checkout-api --fault error --expect "error_rate < 1%"'


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def test_a_plan_says_what_would_happen_and_injects_nothing(clock: MovingClock) -> None:
    services = chaos_services(clock)
    plan = run_deferred(services, f"chaos plan {HARMLESS}", user="oli", channel="C-pay")
    assert plan.tone is Tone.INFO
    assert plan.title == "Plan: delay:100ms on checkout-api (would start)"
    assert (
        "Inject delay:100ms into 1%, then 5%, then 25% of checkout-api's invocations" in plan.text
    )
    assert "a page-severity alert firing or an investigation opened for the team" in plan.text
    assert "FIS" not in plan.text  # the simulation has no stop conditions of its own
    assert dict(plan.fields)["Steps"] == "1% → 5% → 25%, 11m each"
    # AND nothing is recorded or injected: the team has no experiment, the channel saw only the
    # plan (the worker's answer: preflight's dry run takes seconds on FIS)
    assert chaos_of(services).store.list_for(ORG, "payments") == []
    assert [reply.title for _, reply in channel_messages(services)] == [plan.title]
    # but the dry run itself is on the record, as asked and as done
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    plans = [e.outcome.value for e in entries if e.command.startswith("sre chaos plan")]
    assert plans == ["requested", "succeeded"]


def test_a_harmless_fault_grows_1_5_25_and_ends_held_in_one_message(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    ((where, first),) = channel_messages(services)
    assert where.channel == "C-pay"
    assert (
        first.title == f"Chaos {experiment}: delay:100ms on checkout-api: running at 1% (step 1/3)"
    )
    assert "Halt" in str(blocks(first))
    # WHEN the scheduler runs every minute for the three default steps of 11 minutes
    said = ticks(services, clock, 33)
    # THEN the blast radius grew only after each step held, and it ended held, rolled back,
    # each step judged at its end, none extended (at 10m the last step's 9 judged minutes were
    # one short of what a latency shift needs to show at its 27th look)
    assert said == [
        f"{experiment} advanced to 5%",
        f"{experiment} advanced to 25%",
        f"{experiment} ended: held",
    ]
    shown = run(services, f"chaos status {experiment}", user="vic", channel="C-pay")
    assert shown.title == f"Chaos {experiment}: delay:100ms on checkout-api: ended: held"
    assert "within `p99_latency < 2s`" in shown.text and "2000ms" not in shown.text
    # AND each verdict compared the faulted share with the minutes before the start too
    assert "ms before the start (" in shown.text
    assert shown.text.splitlines()[-2].endswith("every injection removed and verified")
    # AND the one message was updated in place, never posted again, and lost its Halt button
    assert len(channel_messages(services)) == 1
    last = notifier_of(services).updated[-1][1]
    assert last.title == shown.title and last.buttons == []
    # AND every injection is verified removed in the simulation
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and [i.percent for i in stored.injections] == [1, 5, 25]
    assert all(injector_of(services).removed(i.handle) for i in stored.injections)


def test_a_breaking_fault_deviates_at_the_first_step_and_is_rolled_back(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, BREAKING)
    said = ticks(services, clock, 10)
    assert said == [f"{experiment} ended: deviated"]
    shown = run(services, f"chaos status {experiment}", user="vic", channel="C-pay")
    assert "deviated: error rate 100% on the faulted share vs 0." in shown.text
    assert "breaks `error_rate < 1%`" in shown.text
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and [i.percent for i in stored.injections] == [1]
    assert injector_of(services).removed(stored.injections[0].handle)
    # AND its message says so as an error; the scheduler's halt and rollback are audited
    assert notifier_of(services).updated[-1][1].tone is Tone.ERROR
    steps = [
        e.command
        for e in records(services.audit_log, StreamKey(org=ORG, team="payments"))
        if e.actor.user == "scheduler"
    ]
    assert steps == [f"chaos deviated {experiment}", f"chaos rolled back {experiment}"]


def test_the_journal_is_chaos_toolkits(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, BREAKING)
    ticks(services, clock, 10)
    reply = run(services, f"chaos status {experiment} --journal", user="vic", channel="C-pay")
    journal = json.loads(reply.text.removeprefix("```\n").removesuffix("\n```"))
    assert journal["status"] == "failed" and journal["deviated"] is True
    assert journal["steady_states"]["before"]["steady_state_met"] is True
    assert journal["steady_states"]["after"]["steady_state_met"] is False
    assert [r["status"] for r in journal["rollbacks"]] == ["succeeded"]
    assert [a["activity"]["name"] for a in journal["run"]] == ["inject error into 1%"]
    assert journal["experiment"]["steady-state-hypothesis"]["probes"][0]["tolerance"] == {
        "type": "range",
        "range": [0, 1],
        "target": "error_rate",
        "unit": "%",
    }


def test_a_steady_state_that_is_not_one_is_refused_with_the_reason(clock: MovingClock) -> None:
    services = chaos_services(clock)
    text = 'chaos start checkout-api --fault error --expect "error_rate anomalous for 10m"'
    refused = run(services, text, user="oli", channel="C-pay")
    assert refused.failed
    assert "is an alert rule, not a steady state" in refused.title
    unknown = run(
        services,
        "chaos plan checkout-api --fault boom --expect 'error_rate < 1%'",
        user="oli",
        channel="C-pay",
    )
    assert "use delay:1500ms, error or http-status:503" in unknown.title
    assert chaos_of(services).store.list_for(OrgId(ORG), "payments") == []


def test_the_list_shows_experiments_under_way_and_all_of_them_with_all(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, BREAKING)
    running = run(services, "chaos list", user="vic", channel="C-pay")
    assert running.fields == [(experiment, "error on checkout-api: running at 1% (step 1/3)")]
    ticks(services, clock, 10)
    none = run(services, "chaos list", user="vic", channel="C-pay")
    assert none.title == (
        "Team payments has no experiments under way (`sre chaos list --all` for ended ones)"
    )
    every = run(services, "chaos list --all", user="vic", channel="C-pay")
    assert every.fields == [(experiment, "error on checkout-api: ended: deviated")]
    # AND asked with --team, the command it suggests keeps it (before: dropped, so typed in
    # another team's channel it listed that team's)
    named = run(services, "chaos list --team payments", user="vic")
    assert named.title == (
        "Team payments has no experiments under way "
        "(`sre chaos list --all --team payments` for ended ones)"
    ), named.title


def test_a_deployment_without_a_fault_injector_says_chaos_is_not_configured(
    clock: MovingClock,
) -> None:
    services = build(Settings(org_admins=("slack:T1:root",)), memory_adapters(clock, chaos=None))
    setup_teams(services)
    for text in (f"chaos plan {HARMLESS}", "chaos list", "chaos unhalt"):
        user = "root" if text == "chaos unhalt" else "oli"
        refused = run_deferred(services, text, user=user, channel="C-pay")
        assert refused.failed, text
        assert refused.title.startswith("Chaos is not configured on this deployment"), text
    tick = dict(run_scheduler(services, clock, 1).fields)
    assert tick["Chaos"] == "no step due"


def test_a_plan_names_what_would_refuse_a_start_now(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, BREAKING)
    plan = run_deferred(services, f"chaos plan {HARMLESS}", user="oli", channel="C-pay")
    assert plan.failed
    assert plan.title == "Plan: delay:100ms on checkout-api (would not start)"
    assert f"• {experiment} is already running at 1% (step 1/3) on checkout-api." in plan.text


def test_status_says_the_guards_latest_judgement_while_a_step_runs(clock: MovingClock) -> None:
    # GIVEN an experiment 3 minutes into its first step (its message changes only at its end)
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    assert ticks(services, clock, 3) == []  # nothing happened: no step due
    # WHEN its status is asked for
    status = run(services, f"chaos status {experiment}", user="vic", channel="C-pay")
    # THEN it says the minute's judgement, and how far it is
    latest = dict(status.fields)["Latest look"]
    assert latest.startswith(f"{clock.now():%H:%M} UTC: inconclusive so far at 1% (too few "), (
        latest
    )
    assert "faulted requests to judge: " in latest
    assert "inconclusive: " not in latest  # said once
