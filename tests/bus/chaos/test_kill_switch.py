"""The kill switch works when the lever is down: `sre chaos halt --all` halts every experiment
of the org and removes its fault anyway, says plainly that the lever could not be engaged, is
audited, and new starts stay refused (the org's own halt record) until `sre chaos unhalt`."""

from __future__ import annotations

from bots.slack.render import blocks
from shared.audit.models import ORG_STREAM, StreamKey
from shared.chaos.models import ExperimentOutcome
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, records, run, run_deferred
from tests.support.chaos import (
    UnreadableLever,
    chaos_services,
    flaky_chaos,
    injector_of,
    start_experiment,
)

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


def test_halt_all_halts_every_experiment_and_refuses_starts_when_the_lever_is_down() -> None:
    clock = MovingClock(NOW)
    chaos = flaky_chaos(clock)
    services = chaos_services(clock, chaos=chaos)
    experiment = start_experiment(services, HARMLESS)
    assert isinstance(chaos.lever, UnreadableLever)
    chaos.lever.unreadable = True
    # WHEN an org admin pulls the kill switch while the lever can be neither read nor engaged
    reply = run_deferred(services, "chaos halt --all", user="root", channel="C-pay")
    # THEN every experiment is halted, its fault removed, and the lever's failure said plainly
    assert reply.title == ("1 experiment halted by @root; the safety lever could not be engaged")
    assert f"{experiment} (payments): ended: halted" in reply.text
    assert "could not be engaged: ThrottlingException: UpdateSafetyLeverState" in reply.text
    assert "New starts are refused until an org admin runs `sre chaos unhalt`" in reply.text
    assert "Internal error" not in str(blocks(reply))
    stored = chaos.store.get(ORG, experiment)
    assert stored is not None and stored.outcome is ExperimentOutcome.HALTED
    assert all(injector_of(services).removed(i.handle) for i in stored.injections)
    # AND it is audited
    audited = records(services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))
    assert any(e.command.startswith("sre chaos halt --all") for e in audited)
    # AND a new start is refused, the lever still down
    again = f"{HARMLESS} --percent 5,25"
    refused = run_deferred(services, f"chaos start {again}", user="oli", channel="C-pay")
    assert refused.failed and "safety lever is engaged by @root" in refused.text
    # WHEN the lever is back and an org admin releases it THEN experiments start again
    chaos.lever.unreadable = False
    released = run(services, "chaos unhalt", user="root", channel="C-pay")
    assert released.title == "Safety lever released by @root: experiments may start again"
    assert start_experiment(services, f"{again} --duration 10m").startswith("chx-")
    assert released.tone is Tone.OK


def test_a_responder_refused_halt_all_is_told_the_flag_needs_an_org_admin() -> None:
    # a responder may halt one experiment: the refusal names `--all`, which needs more
    services = chaos_services(MovingClock(NOW))
    refused = run(services, "chaos halt --all", user="rey", channel="C-pay")
    assert refused.tone is Tone.DENIED
    assert refused.text.startswith("`sre chaos halt --all` needs the org-admin role"), refused.text
