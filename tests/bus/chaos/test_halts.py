"""The four halt paths, each audited and said in the experiment's one message: a person's halt,
the safety lever (`halt --all`, refusing starts until `unhalt`), a real outage (a page firing),
the injection's stop condition; approvals on production services; roles named when refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bots.msteams.render import SUBMIT_KEY, card
from bots.slack.render import blocks
from shared.audit.models import ORG_STREAM, StreamKey
from shared.bootstrap.wiring import Services
from shared.chaos.models import ExperimentOutcome, ExperimentState
from shared.replies import Tone
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    channel_messages,
    notifier_of,
    records,
    run,
    run_deferred,
    run_worker,
)
from tests.support.chaos import (
    adapters_of,
    chaos_of,
    chaos_services,
    injector_of,
    jammed_chaos,
    start_experiment,
    ticks,
)
from tests.support.incidents import investigation_of

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
AGAIN = f"{HARMLESS} --percent 5,25"
"""Another start (the same text would be the same delivery, answered once)."""


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def removed(services: Services, experiment: str) -> bool:
    """Whether every injection of `experiment` is verified removed in the simulation."""
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and stored.injections
    return all(injector_of(services).removed(i.handle) for i in stored.injections)


def test_a_responder_halts_an_experiment_and_its_fault_is_removed(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 3)
    # WHEN a viewer tries THEN the role needed is named
    denied = run(services, f"chaos halt {experiment}", user="vic", channel="C-pay")
    assert denied.tone is Tone.DENIED and "responder role in team payments" in denied.text
    # WHEN the Halt button of its message, as Slack renders it, is clicked by a responder
    # THEN it is acknowledged at once (within Slack's 3 s), the worker halting it after
    ((_, message),) = channel_messages(services)
    (actions,) = [b for b in blocks(message) if b["type"] == "actions"]
    halt = next(e for e in actions["elements"] if e["text"]["text"] == "Halt")
    assert halt["value"] == f"sre chaos halt {experiment} --team=payments"
    clicked = run(services, halt["value"].removeprefix("sre "), user="rey", channel=None)
    assert clicked.tone is Tone.ACCEPTED
    # AND the worker halts it: its fault removed and verified, its message updated
    (halted,) = run_worker(services)
    assert halted.title == f"{experiment} halted by @rey: its fault is removed", halted
    assert removed(services, experiment)
    assert notifier_of(services).updated[-1][1].title.endswith("ended: halted")
    # AND halting it again changes nothing, said so
    again = run(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    assert again.title == f"Nothing to change: {experiment} already ended: halted."


def test_halt_all_engages_the_lever_and_no_experiment_starts_until_unhalt(
    clock: MovingClock,
) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    denied = run(services, "chaos halt --all", user="rey", channel="C-pay")
    assert denied.tone is Tone.DENIED and "org-admin" in denied.text
    # WHEN an org admin pulls the lever THEN every experiment halts at once, fault removed
    lever = run_deferred(services, "chaos halt --all", user="root", channel="C-pay")
    assert lever.title == "Safety lever engaged by @root: 1 experiment halted"
    assert removed(services, experiment)
    # AND its entry in the org's trail records what it halted (it recorded nothing)
    org = records(services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))
    (done,) = [
        e for e in org if e.command == "sre chaos halt --all" and e.outcome.value == "succeeded"
    ]
    assert done.details == {"halted": experiment, "lever": "engaged"}
    # AND a new start is refused, saying who engaged it and how to release it
    refused = run_deferred(services, f"chaos start {AGAIN}", user="oli", channel="C-pay")
    assert refused.failed
    assert "cannot start: the org's safety lever is engaged by @root" in refused.text
    assert "sre chaos unhalt" in refused.text
    # WHEN an org admin releases it THEN experiments may start again
    assert run(services, "chaos unhalt", user="oli", channel="C-pay").tone is Tone.DENIED
    released = run(services, "chaos unhalt", user="root", channel="C-pay")
    assert released.title == "Safety lever released by @root: experiments may start again"
    assert start_experiment(services, f"{AGAIN} --duration 10m").startswith("chx-")
    again = run(services, "chaos unhalt", user="root", channel="C-pay")
    assert again.title == "Nothing to change: the safety lever is not engaged."


def test_a_page_firing_halts_a_running_experiment_within_one_tick(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 2)
    # GIVEN a page-severity policy on the sample, whose p99 is past 800 ms (its incident)
    policy = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'
    assert not run(services, policy, user="oli", channel="C-pay").failed
    # WHEN the next tick fires it THEN the same tick halts the team's experiment
    (said,) = ticks(services, clock, 1)
    assert said == f"{experiment} ended: halted"
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and stored.outcome is ExperimentOutcome.HALTED
    assert "a real outage of team payments: page `slow` firing on checkout-api" in stored.reason
    assert removed(services, experiment)
    # AND the halt is audited as the scheduler, and a new start is refused while it fires
    commands = [e.command for e in records(services.audit_log, StreamKey(org=ORG, team="payments"))]
    assert f"chaos halted {experiment}" in commands
    refused = run_deferred(services, f"chaos start {AGAIN}", user="oli", channel="C-pay")
    assert "real outage (page `slow` firing on checkout-api)" in refused.text


def test_an_open_investigation_refuses_a_start(clock: MovingClock) -> None:
    services = chaos_services(clock)
    opened = run_deferred(services, "investigate checkout-api", user="rey", channel="C-pay")
    assert not opened.failed
    refused = run_deferred(services, f"chaos start {HARMLESS}", user="oli", channel="C-pay")
    assert refused.failed and "investigation inv-" in refused.text
    assert chaos_of(services).store.list_for(ORG, "payments") == []


def test_an_investigation_left_open_after_it_found_nothing_is_no_outage(
    clock: MovingClock,
) -> None:
    services = chaos_services(clock)
    # GIVEN an investigation of the last two hours that found no change, left open
    now = clock.now()
    left = investigation_of([]).model_copy(
        update={"org": ORG, "opened_at": now, "start": now - timedelta(hours=2), "end": now}
    )
    adapters_of(services).investigations.save(left)
    # WHEN a start is asked for at once, THEN it is refused: someone may be looking right now
    refused = run_deferred(services, f"chaos start {HARMLESS}", user="oli", channel="C-pay")
    assert refused.failed and "investigation inv-" in refused.text
    # WHEN it is asked for two hours later, the investigation still open, THEN it starts
    clock.at += timedelta(hours=2)
    started = run_deferred(services, f"chaos start {HARMLESS}", user="opal", channel="C-pay")
    assert not started.failed, started.text
    assert "investigation inv-" not in started.text


def test_an_investigation_of_older_data_is_a_postmortem_not_an_outage(
    clock: MovingClock,
) -> None:
    # GIVEN an investigation opened now of a quiet hour this morning (no change found), and one
    # of last week's incident (a change that lasted to the end of its window)
    services = chaos_services(clock)
    for old in ("--since 8h ago --window 1h", "--since 7d ago --window 2h"):
        opened = run_deferred(
            services, f"investigate checkout-api {old}", user="rey", channel="C-pay"
        )
        assert not opened.failed, old
    assert len(adapters_of(services).investigations.open_for(ORG, "payments")) == 2
    # WHEN a start is asked for at once, THEN it starts: neither is of what is going on now
    started = run_deferred(services, f"chaos start {HARMLESS}", user="oli", channel="C-pay")
    assert not started.failed, started.text


def test_an_open_investigation_that_found_a_change_refuses_a_start_however_old(
    clock: MovingClock,
) -> None:
    services = chaos_services(clock)
    opened = run_deferred(services, "investigate checkout-api", user="rey", channel="C-pay")
    assert not opened.failed
    clock.at += timedelta(hours=6)
    refused = run_deferred(services, f"chaos start {HARMLESS}", user="oli", channel="C-pay")
    assert refused.failed and "(a change found)" in refused.text
    # AND it says how such a hold ends, if the outage is over
    assert "no chaos until it is over (an investigation that is over ends with `sre " in (
        refused.text
    )


def test_a_tripped_stop_condition_halts_at_the_next_tick(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None
    injector_of(services).trip(stored.injections[0].handle, "checkout-api-5xx in ALARM")
    assert ticks(services, clock, 1) == [f"{experiment} ended: halted"]
    shown = run(services, f"chaos status {experiment}", user="vic", channel="C-pay")
    assert "its stop condition fired: checkout-api-5xx in ALARM" in shown.text


def test_a_production_service_waits_for_a_second_operator(clock: MovingClock) -> None:
    services = chaos_services(clock, production=True)
    waiting = run_deferred(services, f"chaos start {HARMLESS}", user="oli", channel="C-pay")
    assert waiting.tone is Tone.OK and "waits for approval" in waiting.title
    experiment = waiting.title.split()[1]
    ((_, notice),) = channel_messages(services)
    assert [b.label for b in notice.buttons] == ["Approve", "Halt"]
    # (in Teams the same buttons are the card's submit actions, each carrying its command)
    actions = card(notice)["actions"]
    assert [(a["title"], a["data"][SUBMIT_KEY]) for a in actions] == [
        ("Approve", f"sre chaos approve {experiment} --team=payments"),
        ("Halt", f"sre chaos halt {experiment} --team=payments"),
    ]
    waits = chaos_of(services).store.get(ORG, experiment)
    assert waits is not None and waits.injections == []
    # WHEN its starter approves THEN it is refused, naming who may
    own = run_deferred(services, f"chaos approve {experiment}", user="oli", channel="C-pay")
    assert own.tone is Tone.DENIED and "another operator of team payments" in own.text
    viewer = run(services, f"chaos approve {experiment}", user="vic", channel="C-pay")
    assert viewer.tone is Tone.DENIED and "operator role in team payments" in viewer.text
    # WHEN another operator approves THEN the first injection is made
    approved = run_deferred(services, f"chaos approve {experiment}", user="opal", channel="C-pay")
    assert approved.tone is Tone.OK and "started" in approved.title
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.RUNNING
    assert stored.approved_by == "opal" and stored.injections[0].percent == 1


def test_an_operator_role_is_needed_to_start(clock: MovingClock) -> None:
    services = chaos_services(clock)
    denied = run(services, f"chaos start {HARMLESS}", user="rey", channel="C-pay")
    assert denied.tone is Tone.DENIED and "operator role in team payments" in denied.text


def test_a_service_under_chaos_is_not_removed_even_by_force(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, HARMLESS)
    for text in ("service remove checkout-api", "service remove checkout-api --force"):
        refused = run_deferred(services, text, user="oli", channel="C-pay")
        assert refused.failed
        assert f"has a chaos experiment under way ({experiment}): halt it first" in refused.text
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.RUNNING


def test_a_halt_without_an_id_names_the_teams_experiment_under_way() -> None:
    services = chaos_services(MovingClock(NOW))
    # GIVEN nothing under way: nothing to change, said at once, neither queued nor audited
    before = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    none = run(services, "chaos halt", user="rey", channel="C-pay")
    assert none.title == "Nothing to change: team payments has no experiment under way to halt."
    assert records(services.audit_log, StreamKey(org=ORG, team="payments")) == before
    # WHEN one runs, a bare halt names it with the command that halts it, and halts nothing
    experiment = start_experiment(services, HARMLESS)
    before = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    one = run(services, "chaos halt", user="oli", channel="C-pay")  # answered at once
    assert one.tone is Tone.USAGE and "sre chaos halt [ID] [--all]" in one.text
    assert records(services.audit_log, StreamKey(org=ORG, team="payments")) == before
    assert one.title == (
        f"Name the experiment to halt: team payments has one under way, {experiment}: "
        f"delay:100ms on checkout-api, running at 1% (step 1/3): `sre chaos halt {experiment}`"
    )
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and stored.state is ExperimentState.RUNNING
    # AND the command it names halts it
    assert not run_deferred(
        services, f"chaos halt {experiment}", user="rey", channel="C-pay"
    ).failed
    ended = chaos_of(services).store.get(ORG, experiment)
    assert ended is not None and ended.outcome is ExperimentOutcome.HALTED


def test_a_halt_without_an_id_names_each_of_several_under_way() -> None:
    services = chaos_services(MovingClock(NOW))
    register = "service register orders-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    first = start_experiment(services, HARMLESS)
    second = start_experiment(
        services, 'orders-api --fault delay:100ms --expect "p99_latency < 2s"'
    )
    said = run_deferred(services, "chaos halt", user="rey", channel="C-pay")
    assert said.tone is Tone.USAGE
    assert said.title.startswith("Name the experiment to halt: team payments has 2 under way, ")
    assert f"{first}: delay:100ms on checkout-api, running at 1% (step 1/3): `sre chaos " in (
        said.title
    )
    assert f"{second}: delay:100ms on orders-api, running at 1% (step 1/3): `sre chaos " in (
        said.title
    )
    assert "--all" not in said.title  # a responder may not give it


def test_an_org_admin_asking_from_elsewhere_is_given_commands_that_work_there() -> None:
    services = chaos_services(MovingClock(NOW))
    experiment = start_experiment(services, HARMLESS)
    # WHEN an org admin asks with --team from outside payments' channel
    said = run_deferred(services, "chaos halt --team payments", user="root")
    # THEN each command carries --team, and --all is named with what it does
    command = f"sre chaos halt {experiment} --team payments"
    assert f"running at 1% (step 1/3): `{command}`" in said.title, said
    assert said.title.endswith(
        " (`sre chaos halt --all` halts every experiment of the org and starts none until "
        "`sre chaos unhalt`)"
    )
    assert not run_deferred(services, command.removeprefix("sre "), user="root").failed


def test_a_halt_without_an_id_names_no_all_while_the_org_is_halted_already() -> None:
    clock = MovingClock(NOW)
    chaos = jammed_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    chaos.injector.jammed = False  # type: ignore[attr-defined]
    experiment = start_experiment(services, HARMLESS)
    chaos.injector.jammed = True  # type: ignore[attr-defined]
    # GIVEN the org halted with --all, its experiment's fault not removed yet (still under way)
    run_deferred(services, "chaos halt --all", user="root")
    stuck = chaos.store.get(ORG, experiment)
    assert stuck is not None and stuck.state is not ExperimentState.ENDED
    # WHEN an org admin halts with no id THEN the experiment is named, and --all is not
    said = run_deferred(services, "chaos halt --team payments", user="root")
    assert said.tone is Tone.USAGE
    assert f"`sre chaos halt {experiment} --team payments`" in said.title, said
    assert "--all" not in said.title
