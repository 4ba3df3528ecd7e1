"""The kill switch during an audit outage: `chaos halt ID` and `chaos halt --all` still halt and
remove the fault, their entries owed and written by the next tick once the trail is back (once,
with their own times, the trail verifying); every other change (`start`, `unhalt`) is refused;
with the state store down too, the fault is still removed and the entry is in the error log."""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from shared.adapters.aws.fis_safety_lever import FisSafetyLever
from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    SimulatedSafetyLever,
)
from shared.adapters.memory import InMemoryAuditLog, InMemoryChaosStore
from shared.adapters.memory_owed import InMemoryOwedEntries
from shared.audit.models import ORG_STREAM, AuditRecord, Outcome, StreamKey
from shared.audit.trail import OWED_PER_TICK
from shared.bootstrap.adapters import ChaosAdapters
from shared.bootstrap.wiring import Services
from shared.chaos.models import Experiment, ExperimentOutcome, LeverState
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.replies import Reply, Tone
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    ask,
    audit_draft,
    overlapping_runs,
    records,
    run,
    run_deferred,
)
from tests.support.chaos import chaos_of, chaos_services, injector_of, start_experiment, ticks

HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
AGAIN = f"{HARMLESS} --percent 5,25"
OWED = "Its audit entry will be written when the audit trail is back."
REFUSED = "Not done: the audit trail is unavailable"


def _down(clock: MovingClock) -> tuple[Services, InMemoryAuditLog, InMemoryOwedEntries, str]:
    """An experiment running for two minutes, then the audit trail down."""
    log, owed = InMemoryAuditLog(), InMemoryOwedEntries()
    services = chaos_services(clock, audit_log=log, owed=owed)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 2)
    log.failing = True
    return services, log, owed, experiment


class _GatedLog(InMemoryAuditLog):
    """An audit log whose reads of a head wait for a second reader (two ticks side by side)."""

    gate: threading.Barrier | None = None

    def head(self, stream: StreamKey) -> AuditRecord | None:
        """The head, once both ticks have read it (or a second has passed)."""
        found = super().head(stream)
        if self.gate is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                self.gate.wait(timeout=1)
        return found


def _removed(services: Services, experiment: str) -> bool:
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and stored.outcome is ExperimentOutcome.HALTED
    return all(injector_of(services).removed(i.handle) for i in stored.injections)


def _entries(services: Services, team: str, command: str) -> list[AuditRecord]:
    stream = StreamKey(org=ORG, team=team)
    return [e for e in records(services.audit_log, stream) if e.command.startswith(command)]


def _verified(services: Services) -> Reply:
    return ask(services, "audit verify --all")


def test_a_halt_works_while_the_trail_is_down_and_is_audited_when_it_is_back() -> None:
    clock = MovingClock(NOW)
    services, log, owed, experiment = _down(clock)
    halted_at = clock.at
    # WHEN a responder halts it while the audit trail cannot be written
    reply = run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    # THEN it is halted, its fault removed, and the answer says its entry is owed
    assert reply.tone is Tone.OK, reply
    assert reply.title == f"{experiment} halted by @rey: its fault is removed"
    assert OWED in reply.text
    assert _removed(services, experiment)
    # AND a start is still refused: no entry, no action
    refused = run_deferred(services, f"chaos start {AGAIN}", user="oli", channel="C-pay")
    assert refused.title == REFUSED
    assert len(chaos_of(services).store.list_for(ORG, "payments")) == 1
    # WHEN the trail is back THEN the next tick writes the owed entries, once
    log.failing = False
    assert ticks(services, clock, 1) == ["2 owed audit entries written"]
    assert ticks(services, clock, 1) == []
    assert owed.owed() == []
    halts = _entries(services, "payments", f"sre chaos halt {experiment}")
    assert [e.outcome for e in halts] == [Outcome.REQUESTED, Outcome.SUCCEEDED]
    assert {e.time for e in halts} == {halted_at}  # their own time, not the tick's
    assert all(e.actor.user == "rey" for e in halts)
    # AND the trail verifies
    assert _verified(services).tone is Tone.OK


def test_halt_all_engages_the_lever_while_the_trail_is_down_and_unhalt_stays_refused() -> None:
    clock = MovingClock(NOW)
    services, log, _, experiment = _down(clock)
    halted_at = clock.at
    # WHEN an org admin pulls the kill switch while the audit trail cannot be written
    reply = run_deferred(services, "chaos halt --all", user="root", channel="C-pay")
    # THEN the lever is engaged, every experiment halted and its fault removed, the entry owed
    assert reply.title == "Safety lever engaged by @root: 1 experiment halted", reply
    assert f"{experiment} (payments): ended: halted" in reply.text
    assert OWED in reply.text
    assert chaos_of(services).lever.state(ORG).engaged
    assert _removed(services, experiment)
    # AND releasing the lever is refused while the trail is down: it stays engaged
    refused = run(services, "chaos unhalt", user="root", channel="C-pay")
    assert refused.title == REFUSED
    assert chaos_of(services).lever.state(ORG).engaged
    # WHEN the trail is back THEN the next tick writes the halt's entries in the org's trail
    log.failing = False
    clock.at += timedelta(minutes=5)
    assert ticks(services, clock, 1) == ["2 owed audit entries written"]
    halts = _entries(services, ORG_STREAM, "sre chaos halt --all")
    assert [(e.outcome, e.time) for e in halts] == [
        (Outcome.REQUESTED, halted_at),
        (Outcome.SUCCEEDED, halted_at),
    ]
    assert _verified(services).tone is Tone.OK
    # AND unhalt works again, audited at once
    released = run(services, "chaos unhalt", user="root", channel="C-pay")
    assert released.title == "Safety lever released by @root: experiments may start again"
    assert released.receipt


def test_a_tick_that_halts_while_the_trail_is_down_owes_the_halt_and_the_rollback() -> None:
    clock = MovingClock(NOW)
    log, owed = InMemoryAuditLog(), InMemoryOwedEntries()
    services = chaos_services(clock, audit_log=log, owed=owed)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 10)
    # WHEN its step is over while the trail is down THEN it is halted (no faulting unaudited)
    log.failing = True
    assert ticks(services, clock, 1) == [f"{experiment} ended: halted"]
    halted_at = clock.at
    # AND with the trail back, the next tick writes what it did: the halt, then its rollback
    log.failing = False
    assert ticks(services, clock, 1) == ["2 owed audit entries written"]
    said = _entries(services, "payments", "chaos ")
    owed_ones = [e for e in said if e.actor.user == "scheduler" and e.time == halted_at]
    assert [e.command for e in owed_ones] == [
        f"chaos halted {experiment}",
        f"chaos rolled back {experiment}",
    ]
    assert _verified(services).tone is Tone.OK


def test_with_the_state_store_down_too_the_fault_is_removed_and_the_entry_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = MovingClock(NOW)
    services, _, owed, experiment = _down(clock)
    owed.failing = True
    # WHEN a responder halts it while neither the trail nor the owed entries can be written
    with caplog.at_level(logging.ERROR, logger="autosre.audit"):
        reply = run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    # THEN its fault is removed anyway, and the answer says its entry could not be saved
    assert reply.title == f"{experiment} halted by @rey: its fault is removed", reply
    assert "audit entry could not be saved" in reply.text
    assert _removed(services, experiment)
    # AND the whole entry is in the error log
    lost = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(f"sre chaos halt {experiment}" in m and '"user":"rey"' in m for m in lost)


class WritesRefused(InMemoryChaosStore):
    """The memory chaos store refusing every write while `down` (a throttled or unreachable
    table), its reads still answered."""

    down = False

    def save(self, experiment: Experiment) -> Experiment:
        """Refused while down; else saved."""
        if self.down:
            raise ConnectionError("state store unreachable")
        return super().save(experiment)

    def keep_halt_record(self, org: OrgId, state: LeverState) -> None:
        """Refused while down; else kept."""
        if self.down:
            raise ConnectionError("state store unreachable")
        super().keep_halt_record(org, state)


def _all_down(clock: MovingClock) -> tuple[Services, WritesRefused, str]:
    """An experiment running, then the audit trail, the owed entries and the chaos store's
    writes all down."""
    state, store = InMemoryChaosState(), WritesRefused()
    chaos = ChaosAdapters(
        store=store,
        injector=SimulatedFaultInjector(state=state, clock=clock),
        lever=SimulatedSafetyLever(state=state),
        metrics=SimulatedFaultMetrics(state=state),
    )
    log, owed = InMemoryAuditLog(), InMemoryOwedEntries()
    services = chaos_services(clock, audit_log=log, owed=owed, chaos=chaos)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 2)
    log.failing = owed.failing = store.down = True
    return services, store, experiment


def test_with_the_whole_state_store_down_a_halt_still_removes_the_fault() -> None:
    clock = MovingClock(NOW)
    services, store, experiment = _all_down(clock)
    # WHEN a responder halts it while nothing can be written
    reply = run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    # THEN its fault is removed anyway, and the answer says what was not recorded
    assert reply.tone is Tone.ERROR and "Internal error" not in reply.title
    assert "the halt could not be recorded" in reply.text
    assert "but its fault is removed" in reply.text
    assert "audit entry could not be saved" in reply.text
    stored = store.get(ORG, experiment)
    assert stored is not None and stored.injections
    assert all(injector_of(services).removed(i.handle) for i in stored.injections)


def test_with_the_whole_state_store_down_halt_all_still_engages_the_lever() -> None:
    clock = MovingClock(NOW)
    services, _, _ = _all_down(clock)
    # WHEN an org admin pulls the kill switch while nothing can be written
    reply = run_deferred(services, "chaos halt --all", user="root", channel="C-pay")
    # THEN the lever is engaged anyway, and the answer says the halt was not recorded
    assert reply.tone is Tone.ERROR and "Internal error" not in reply.title
    assert "The halt could not be recorded" in reply.text
    assert "but the safety lever is engaged" in reply.text
    assert chaos_of(services).lever.state(ORG).engaged


def _fis_lever(status: str) -> dict[str, object]:
    lever = {"id": "default", "arn": "arn:aws:fis:us-east-1:123456789012:safety-lever/default"}
    return {"safetyLever": {**lever, "state": {"status": status, "reason": ""}}}


def test_halt_all_engages_the_fis_lever_while_the_trail_is_down() -> None:
    # GIVEN the org's lever is the account's FIS safety lever (its requests checked against
    # FIS's model by Stubber), and the audit trail down
    clock, log = MovingClock(NOW), InMemoryAuditLog()
    fis = Stubber(boto3.client("fis", region_name="us-east-1"))
    fis.add_response("get_safety_lever", _fis_lever("disengaged"), {"id": "default"})
    engaging = {"id": "default", "state": {"status": "engaged", "reason": ANY}}
    fis.add_response("update_safety_lever_state", _fis_lever("engaging"), engaging)
    state = InMemoryChaosState()
    chaos = ChaosAdapters(
        store=InMemoryChaosStore(),
        injector=SimulatedFaultInjector(state=state, clock=clock),
        lever=FisSafetyLever(lever_id="default", client=fis.client),
        metrics=SimulatedFaultMetrics(state=state),
    )
    services = chaos_services(clock, audit_log=log, chaos=chaos)
    log.failing = True
    # WHEN an org admin pulls the kill switch
    with fis:
        reply = run_deferred(services, "chaos halt --all", user="root", channel="C-pay")
    # THEN FIS is asked to engage the lever, and the answer says the entry is owed
    fis.assert_no_pending_responses()
    assert reply.title == "Safety lever engaged by @root: 0 experiments halted", reply
    assert OWED in reply.text
    # AND with the trail back, the next tick writes it
    log.failing = False
    assert ticks(services, clock, 1) == ["2 owed audit entries written"]
    assert _verified(services).tone is Tone.OK


def test_two_overlapping_ticks_write_each_owed_entry_once() -> None:
    clock = MovingClock(NOW)
    log, owed = _GatedLog(), InMemoryOwedEntries()
    services = chaos_services(clock, audit_log=log, owed=owed)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 2)
    # GIVEN a halt made while the trail was down
    log.failing = True
    halted = run_deferred(services, f"chaos halt {experiment}", user="rey", channel="C-pay")
    assert OWED in halted.text
    # WHEN the trail is back and two scheduler runs settle at the same moment
    log.failing = False
    log.gate = threading.Barrier(2)
    clock.at += timedelta(minutes=1)
    overlapping_runs(services, clock)
    log.gate = None
    # THEN each owed entry is in the trail once, and the trail verifies
    halts = _entries(services, "payments", f"sre chaos halt {experiment}")
    assert [e.outcome for e in halts] == [Outcome.REQUESTED, Outcome.SUCCEEDED]
    assert owed.owed() == []
    assert _verified(services).tone is Tone.OK


def test_a_backlog_of_owed_entries_waits_for_the_guards_and_is_written_a_bounded_part_a_tick() -> (
    None
):
    clock = MovingClock(NOW)
    log, owed = InMemoryAuditLog(), InMemoryOwedEntries()
    services = chaos_services(clock, audit_log=log, owed=owed)
    experiment = start_experiment(services, HARMLESS)
    ticks(services, clock, 2)
    # GIVEN more entries owed than one tick writes, and the lever engaged from the FIS console
    actor = Actor(platform=Platform.SLACK, org=ORG, user=UserId("root"))
    backlog = [
        audit_draft(f"sre chaos halt chx-{n:03}").model_copy(
            update={"org": ORG, "actor": actor, "time": clock.at + timedelta(microseconds=n)}
        )
        for n in range(OWED_PER_TICK + 3)
    ]
    for draft in backlog:
        owed.owe(draft)
    chaos_of(services).lever.engage(ORG, by="console", reason="game over", at=clock.at)
    # WHEN the next tick runs THEN the guard halts the experiment first, then the bound is written
    said = ticks(services, clock, 1)
    assert said[0] == f"{experiment} ended: halted"
    assert said[-1] == f"{OWED_PER_TICK} owed audit entries written"
    assert len(owed.owed()) == 3
    # AND the tick after writes the rest, the whole backlog in the order owed
    assert ticks(services, clock, 1) == ["3 owed audit entries written"]
    written = _entries(services, "payments", "sre chaos halt chx-")
    assert [e.id for e in written] == [d.id for d in backlog]
    halted = _entries(services, "payments", "chaos halted")
    assert halted and halted[0].seq < written[0].seq
