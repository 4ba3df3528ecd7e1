"""A command a dead process left `requested` gets its outcome when Auto SRE starts again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.adapters.local.folder_audit import FolderAuditLog
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_journal import JournaledAuditLog
from shared.adapters.memory import InMemoryNotifier
from shared.audit.models import AuditDraft, AuditRecord, Outcome, StreamKey
from shared.audit.ports import AuditLog
from shared.audit.trail import AuditTrail
from shared.bootstrap.local import for_local
from shared.config import Settings
from shared.errors import AuditUnavailableError
from shared.identity.models import Actor, OrgId, Platform, UserId
from tests.support import NOW, TEST_KEY, records
from tests.support.local import dead_lease

STREAM = StreamKey(org=OrgId("T1"), team="payments")


def _entry(outcome: Outcome, correlation: str) -> AuditDraft:
    return AuditDraft(
        id=str(uuid.uuid4()),
        time=NOW,
        org=STREAM.org,
        team=STREAM.team,
        actor=Actor(platform=Platform.SLACK, org=STREAM.org, user=UserId("ann")),
        command="sre team member add erin --team=payments",
        target="user:erin",
        outcome=outcome,
        correlation_id=correlation,
    )


def _trail(log: AuditLog) -> AuditTrail:
    return AuditTrail(log=log, key=lambda: TEST_KEY, clock=_Clock(), every=100)


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def _killed_after_requested(home: Path) -> JournaledAuditLog:
    """A process that stored `requested` for a member change, then died."""
    database = SqliteDatabase(home / "autosre.db")
    journal = JournaledAuditLog(
        FolderAuditLog(home / "audit"), database, lease=dead_lease(database)
    )
    _trail(journal).append(_entry(Outcome.REQUESTED, "ref-killed"))
    return journal


def test_a_request_left_without_outcome_is_recorded_failed_at_start(tmp_path: Path) -> None:
    # GIVEN a member change whose process died after auditing it as requested
    _killed_after_requested(tmp_path)
    # WHEN Auto SRE starts again
    for_local(Settings(home=tmp_path, audit_key="k"), notifier=InMemoryNotifier())
    # THEN the trail says it failed, interrupted, once
    *_, requested, failed = records(FolderAuditLog(tmp_path / "audit"), STREAM)
    assert (requested.outcome, failed.outcome) == (Outcome.REQUESTED, Outcome.FAILED)
    assert failed.correlation_id == requested.correlation_id == "ref-killed"
    assert failed.details["error"].startswith("interrupted: Auto SRE stopped")
    for_local(Settings(home=tmp_path, audit_key="k"), notifier=InMemoryNotifier())
    assert len(records(FolderAuditLog(tmp_path / "audit"), STREAM)) == 2


def test_an_outcome_stored_just_before_the_kill_is_not_doubled(tmp_path: Path) -> None:
    # GIVEN a process that stored both entries but died before clearing its note
    _killed_after_requested(tmp_path)
    _trail(FolderAuditLog(tmp_path / "audit")).append(_entry(Outcome.SUCCEEDED, "ref-killed"))
    # WHEN Auto SRE starts again
    for_local(Settings(home=tmp_path, audit_key="k"), notifier=InMemoryNotifier())
    # THEN the trail keeps its one outcome
    outcomes = [e.outcome for e in records(FolderAuditLog(tmp_path / "audit"), STREAM)]
    assert outcomes == [Outcome.REQUESTED, Outcome.SUCCEEDED]


class _FullDisk(FolderAuditLog):
    """The audit folder on a disk that fills up once the `requested` entry is written."""

    def put(self, record: AuditRecord) -> None:
        if record.outcome is not Outcome.REQUESTED:
            raise OSError(28, "No space left on device")
        super().put(record)


def test_an_outcome_the_trail_refused_is_written_late_as_it_happened(tmp_path: Path) -> None:
    # GIVEN a member change audited as requested, done, told to its user as done, whose
    # `succeeded` entry the full disk refused; then its process ended
    database = SqliteDatabase(tmp_path / "autosre.db")
    journal = JournaledAuditLog(_FullDisk(tmp_path / "audit"), database, lease=dead_lease(database))
    _trail(journal).append(_entry(Outcome.REQUESTED, "ref-full"))
    with pytest.raises(AuditUnavailableError):
        _trail(journal).append(_entry(Outcome.SUCCEEDED, "ref-full"))
    # WHEN Auto SRE starts again (the disk has room again)
    for_local(Settings(home=tmp_path, audit_key="k"), notifier=InMemoryNotifier())
    # THEN the trail says it succeeded, written late, and never that it failed
    *_, requested, outcome = records(FolderAuditLog(tmp_path / "audit"), STREAM)
    assert (requested.outcome, outcome.outcome) == (Outcome.REQUESTED, Outcome.SUCCEEDED)
    assert outcome.correlation_id == "ref-full"
    assert outcome.details["late"].startswith("written late: the trail could not store it at")
    assert "error" not in outcome.details


def test_an_outcome_the_trail_still_refuses_is_kept_for_the_next_start(tmp_path: Path) -> None:
    # GIVEN an outcome the full disk refused, its process ended
    database = SqliteDatabase(tmp_path / "autosre.db")
    journal = JournaledAuditLog(_FullDisk(tmp_path / "audit"), database, lease=dead_lease(database))
    _trail(journal).append(_entry(Outcome.REQUESTED, "ref-full"))
    with pytest.raises(AuditUnavailableError):
        _trail(journal).append(_entry(Outcome.SUCCEEDED, "ref-full"))
    # WHEN the next start settles it while the disk is still full
    still_full = JournaledAuditLog(
        _FullDisk(tmp_path / "audit"), database, lease=dead_lease(database)
    )
    assert still_full.settle(_trail(still_full), queued=lambda _: False) == 0
    # THEN the kept outcome is not lost: the start after, with room again, writes it
    healthy = JournaledAuditLog(
        FolderAuditLog(tmp_path / "audit"), database, lease=dead_lease(database)
    )
    assert healthy.settle(_trail(healthy), queued=lambda _: False) == 1
    *_, outcome = records(FolderAuditLog(tmp_path / "audit"), STREAM)
    assert outcome.outcome is Outcome.SUCCEEDED
