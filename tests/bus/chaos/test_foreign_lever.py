"""`chaos halt --all` while another org of the deployment holds the account's FIS safety lever:
this org's halt is recorded and audited all the same, the answer says whose lever it is, and
the org stays halted when the other org releases the lever, until its own admin unhalts."""

from __future__ import annotations

import boto3
from botocore.stub import ANY, Stubber

from shared.adapters.aws.fis_safety_lever import FisSafetyLever
from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
)
from shared.adapters.memory import InMemoryChaosStore
from shared.audit.models import ORG_STREAM, Outcome, StreamKey
from shared.bootstrap.adapters import ChaosAdapters
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, MovingClock, records, run_deferred
from tests.support.chaos import chaos_services

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
OTHER_ORGS = f"game day [by ann at {NOW.isoformat()} org slack:TOTHER]"
ARN = "arn:aws:fis:us-east-1:123456789012:safety-lever/default"


def _fis_lever(status: str, reason: str) -> dict[str, object]:
    state = {"status": status, "reason": reason}
    return {"safetyLever": {"id": "default", "arn": ARN, "state": state}}


def _halted_under_another_orgs_lever() -> tuple[Services, InMemoryChaosStore, Stubber, Reply]:
    """The account's FIS lever engaged by another org of this deployment (FIS's model checked by
    Stubber: read, then an engage FIS refuses as a conflict, then read again), and this org's
    admin running `chaos halt --all`: the services, the chaos store, FIS and the answer."""
    clock, store = MovingClock(NOW), InMemoryChaosStore()
    fis = Stubber(boto3.client("fis", region_name="us-east-1"))
    fis.add_response("get_safety_lever", _fis_lever("engaged", OTHER_ORGS), {"id": "default"})
    engaging = {"id": "default", "state": {"status": "engaged", "reason": ANY}}
    fis.add_client_error(
        "update_safety_lever_state",
        service_error_code="ConflictException",
        service_message="Safety lever is already engaged",
        http_status_code=409,
        expected_params=engaging,
    )
    fis.add_response("get_safety_lever", _fis_lever("engaged", OTHER_ORGS), {"id": "default"})
    state = InMemoryChaosState()
    chaos = ChaosAdapters(
        store=store,
        injector=SimulatedFaultInjector(state=state, clock=clock),
        lever=FisSafetyLever(lever_id="default", client=fis.client),
        metrics=SimulatedFaultMetrics(state=state),
    )
    services = chaos_services(clock, chaos=chaos)
    with fis:
        reply = run_deferred(services, "chaos halt --all", user="root", channel="C-pay")
    return services, store, fis, reply


def test_halt_all_records_this_orgs_halt_while_another_org_holds_the_fis_lever() -> None:
    # WHEN this org's admin pulls the kill switch while another org holds the account's lever
    services, store, fis, reply = _halted_under_another_orgs_lever()
    # THEN this org is halted, audited, and the answer says whose lever it is
    assert reply.tone is Tone.OK, reply
    assert reply.title == "Org halted by @root: 0 experiments halted"
    assert "already engaged (by another organisation of this deployment)" in reply.text
    assert "stays halted until one of its own org admins runs `sre chaos unhalt`" in reply.text
    assert reply.receipt
    entries = records(services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))
    halts = [e.outcome for e in entries if e.command.startswith("sre chaos halt --all")]
    assert halts[-1] is Outcome.SUCCEEDED
    assert store.halt_record(ORG).engaged
    fis.assert_no_pending_responses()
    # WHEN the other org releases the lever THEN this org's starts are still refused: its own
    # halt record refuses them (the lever is not even read)
    with fis:
        refused = run_deferred(services, f"chaos start {HARMLESS}", user="oli", channel="C-pay")
    assert "cannot start: the org's safety lever is engaged by @root" in refused.text, refused
    assert store.list_for(ORG, "payments") == []
    # WHEN this org's own admin unhalts THEN it is released
    releasing = {"id": "default", "state": {"status": "disengaged", "reason": ANY}}
    fis.add_response("get_safety_lever", _fis_lever("disengaged", ""), {"id": "default"})
    fis.add_response("update_safety_lever_state", _fis_lever("disengaged", ""), releasing)
    with fis:
        released = run_deferred(services, "chaos unhalt", user="root", channel="C-pay")
    fis.assert_no_pending_responses()
    assert released.title == "Safety lever released by @root: experiments may start again"
    assert not store.halt_record(ORG).engaged


def test_this_orgs_unhalt_releases_its_own_halt_and_leaves_the_other_orgs_lever() -> None:
    services, store, fis, _ = _halted_under_another_orgs_lever()
    # WHEN this org's admin unhalts while the other org still holds the lever
    for _ in range(2):
        fis.add_response("get_safety_lever", _fis_lever("engaged", OTHER_ORGS), {"id": "default"})
    with fis:
        released = run_deferred(services, "chaos unhalt", user="root", channel="C-pay")
    # THEN this org's own halt is released (no update sent to FIS: the lever is not its own)
    fis.assert_no_pending_responses()
    assert released.tone is Tone.OK, released
    assert released.title == "This org's halt released by @root"
    assert "stays engaged (by another organisation of this deployment)" in released.text
    assert released.receipt
    assert not store.halt_record(ORG).engaged
    # AND unhalting again changes nothing, and says why
    fis.add_response("get_safety_lever", _fis_lever("engaged", OTHER_ORGS), {"id": "default"})
    with fis:
        again = run_deferred(services, "chaos unhalt", user="root", channel="C-pay")
    assert again.title.startswith("Nothing to change: this org is not halted; the safety lever")
