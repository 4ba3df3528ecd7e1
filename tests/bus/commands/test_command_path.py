"""The command path: audit before and after, denials audited, reads not, fail closed, deferral."""

from __future__ import annotations

import logging

import pytest

from shared.adapters.memory import (
    FixedClock,
    InMemoryAuditLog,
    InMemoryDirectory,
    InMemoryTaskQueue,
)
from shared.audit.models import AuditRecord, Outcome, StreamKey
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import Org, OrgId, Role, Team, UserId
from shared.replies import Tone
from tests.support import (
    ORG,
    UnreachableQueue,
    memory_adapters,
    records,
    run,
    setup_teams,
)


def _stream(services: Services, team: str) -> list[AuditRecord]:
    return records(services.audit_log, StreamKey(org=OrgId(ORG), team=team))


def test_a_change_is_audited_as_requested_then_succeeded_and_the_reply_shows_the_receipt(
    services: Services,
) -> None:
    setup_teams(services)
    before = len(_stream(services, "payments"))
    reply = run(services, "team member add U9 --role responder", user="ann", channel="C-pay")
    entries = _stream(services, "payments")[before:]
    assert [e.outcome for e in entries] == [Outcome.REQUESTED, Outcome.SUCCEEDED]
    assert {e.command for e in entries} == {"sre team member add U9 --role=responder"}
    assert entries[0].correlation_id == entries[1].correlation_id == reply.correlation_id
    assert entries[1].target == "user:U9"
    assert reply.receipt == entries[1].receipt
    team = services.directory.get_team(ORG, "payments")
    assert team is not None and team.members[UserId("U9")] is Role.RESPONDER


def test_reads_are_not_audited(services: Services) -> None:
    setup_teams(services)
    before = len(_stream(services, "payments"))
    for text in ["team show", "team member list", "whoami", "team list", "help team"]:
        assert not run(services, text, user="vic", channel="C-pay").failed
    assert len(_stream(services, "payments")) == before


def test_a_failed_change_is_audited_as_failed_and_explained(services: Services) -> None:
    setup_teams(services)
    reply = run(services, "team member add vic --role operator --team payments")
    assert reply.tone is Tone.ERROR and "already viewer" in reply.text
    assert _stream(services, "payments")[-1].outcome is Outcome.FAILED


def test_when_the_audit_trail_is_down_nothing_is_done_and_the_user_is_told(
    services: Services,
) -> None:
    setup_teams(services)
    log = services.audit_log
    assert isinstance(log, InMemoryAuditLog)
    log.failing = True
    reply = run(services, "team member add U9 --team payments")
    assert reply.tone is Tone.ERROR
    assert "audit trail" in reply.title
    team = services.directory.get_team(ORG, "payments")
    assert team is not None and "U9" not in team.members


def test_a_retried_delivery_runs_once_and_gets_the_first_answer(services: Services) -> None:
    setup_teams(services)
    before = len(_stream(services, "payments"))
    first = run(services, "team member add U9 --team payments", delivery="Ev1")
    again = run(services, "team member add U9 --team payments", delivery="Ev1")
    assert first.tone is Tone.OK
    assert again.replayed
    assert again.model_copy(update={"replayed": False}) == first
    assert len(_stream(services, "payments")) == before + 2


def test_a_slow_command_is_accepted_queued_and_answered_by_the_worker(services: Services) -> None:
    reply = run(services, "doctor")
    assert reply.tone is Tone.ACCEPTED
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    (task,) = tasks.drain()
    assert task.command == "sre doctor"
    result = services.bus.resume(task)
    assert result.tone is Tone.OK
    assert dict(result.fields)["State store"].startswith("✓")


def test_a_channel_without_a_team_asks_for_one(services: Services) -> None:
    setup_teams(services)
    reply = run(services, "team show", user="ann", channel="C-unbound")
    assert reply.tone is Tone.USAGE and "--team" in reply.title


def test_an_unexpected_error_is_an_internal_error_with_a_reference_and_no_trace(
    services: Services, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services.directory, "list_teams", explode)
    with caplog.at_level(logging.ERROR):
        reply = run(services, "team list")
    assert reply.tone is Tone.ERROR and reply.title == "Internal error"
    assert reply.correlation_id in reply.text
    assert "disk on fire" not in reply.text and "Traceback" not in reply.text
    assert "disk on fire" in caplog.text


def test_a_slow_command_that_cannot_be_queued_is_reported_not_lost(clock: FixedClock) -> None:
    # GIVEN a team whose operator asks for a change the worker runs, and a queue that is down
    adapters = memory_adapters(clock, tasks=UnreachableQueue())
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    register = "service register checkout-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    before = len(_stream(services, "payments"))
    # WHEN the operator asks
    asked = "canary start checkout-api --version 43"
    reply = run(services, asked, user="oli", channel="C-pay")
    # THEN they are told plainly that nothing was done and to try again, with the reference
    assert reply.tone is Tone.ERROR and reply.title != "Internal error", reply
    assert "task queue did not take `sre canary start checkout-api --version=43`" in reply.text
    assert "nothing was done" in reply.text and reply.correlation_id in reply.text
    # AND the trail has the request and its failure, nothing left without an outcome
    entries = _stream(services, "payments")[before:]
    assert [(e.outcome, e.command) for e in entries] == [
        (Outcome.REQUESTED, "sre canary start checkout-api --version=43"),
        (Outcome.FAILED, "sre canary start checkout-api --version=43"),
    ]
    assert entries[0].correlation_id == entries[1].correlation_id == reply.correlation_id
    assert entries[1].details["error"] == "not queued: queue unreachable"


class _DirectoryDown(InMemoryDirectory):
    """A state store that cannot be read."""

    def get_org(self, org: OrgId) -> Org | None:
        raise ConnectionError("state store unreachable")

    def list_teams(self, org: OrgId) -> list[Team]:
        raise ConnectionError("state store unreachable")


def test_help_needs_no_caller_lookup_so_it_is_answered_while_the_state_store_is_down(
    clock: FixedClock,
) -> None:
    # GIVEN a deployment whose state store cannot be read
    services = build(Settings(), memory_adapters(clock, directory=_DirectoryDown()))
    # WHEN someone asks for help, or for one topic
    replies = [run(services, text, user="anyone") for text in ("help", "help team", "")]
    # THEN each is answered from the command set alone, only to them, and nothing is audited
    assert [r.title for r in replies] == ["Auto SRE commands", "Team commands", "Auto SRE commands"]
    assert all(r.ephemeral for r in replies), replies
    assert "sre team create NAME" in replies[1].text
    assert services.audit.log.orgs() == []
    # AND a command that needs the caller says the service is unavailable, not help
    assert run(services, "whoami", user="anyone").tone is Tone.ERROR
