"""Entries owed to the audit trail: written in the order owed, with their own times, each once,
even when a write landed but its debt could not be forgotten; kept while the trail is down."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.memory import FixedClock, InMemoryAuditLog
from shared.adapters.memory_owed import InMemoryOwedEntries
from shared.audit.models import AuditDraft, AuditRecord, StreamKey
from shared.audit.owed import Owed
from shared.audit.trail import AuditTrail
from shared.identity.models import OrgId
from tests.support import NOW, TEST_KEY, audit_draft, records


class ForgetsOnce(InMemoryOwedEntries):
    """Owed entries whose first `paid` fails (the state store lost after the trail's write)."""

    lost = True

    def paid(self, draft: AuditDraft) -> None:
        """Fail the first time; else forget."""
        if self.lost:
            self.lost = False
            raise ConnectionError("state store unreachable")
        super().paid(draft)


class FailsAfter(InMemoryAuditLog):
    """An audit log that takes `taking` entries, then fails every call (the bucket lost
    partway through a settling)."""

    taking = 1

    def put(self, record: AuditRecord) -> None:
        """Take it while some are left to take; then fail from now on."""
        if self.taking == 0:
            self.failing = True
        self.taking -= 1
        super().put(record)


def _trail(log: InMemoryAuditLog, owed: InMemoryOwedEntries) -> AuditTrail:
    clock = FixedClock(NOW + timedelta(hours=1))  # the settling tick's time, not the entries'
    return AuditTrail(log=log, key=lambda: TEST_KEY, clock=clock, owed=owed)


def _stream(log: InMemoryAuditLog) -> list[str]:
    found = records(log, StreamKey(org=OrgId("T1"), team="payments"))
    return [f"{e.command} {e.time:%H:%M}" for e in found]


def test_owed_entries_are_written_in_order_with_their_own_times_then_forgotten() -> None:
    log, owed = InMemoryAuditLog(), InMemoryOwedEntries()
    trail = _trail(log, owed)
    first = audit_draft("sre chaos halt chx-1")
    second = audit_draft("sre chaos halt chx-2").model_copy(
        update={"time": NOW + timedelta(minutes=1)}
    )
    # GIVEN two halts owed while the trail was down
    log.failing = True
    assert trail.owe(second).saved and trail.owe(first).saved
    # WHEN the trail is still down THEN nothing is written and both are kept
    assert trail.settle() == []
    assert len(owed.owed()) == 2
    # WHEN it is back THEN both are written, oldest first, at their own times, and forgotten
    log.failing = False
    assert len(trail.settle()) == 2
    assert _stream(log) == ["sre chaos halt chx-1 09:30", "sre chaos halt chx-2 09:31"]
    assert owed.owed() == [] and trail.settle() == []


def test_an_owed_entry_written_but_not_forgotten_is_not_written_again() -> None:
    log, owed = InMemoryAuditLog(), ForgetsOnce()
    trail = _trail(log, owed)
    owed.owe(audit_draft("sre chaos halt --all"))
    # WHEN the entry is written but its debt cannot be forgotten
    with pytest.raises(ConnectionError):
        trail.settle()
    # THEN the next settling forgets it without writing it twice
    assert trail.settle() == []
    assert _stream(log) == ["sre chaos halt --all 09:30"]
    assert owed.owed() == []


def test_an_owed_entry_written_but_not_forgotten_is_known_by_its_id_after_later_entries() -> None:
    log, owed = InMemoryAuditLog(), ForgetsOnce()
    trail = _trail(log, owed)
    owed.owe(audit_draft("sre chaos halt --all"))
    # GIVEN the entry written but its debt not forgotten
    with pytest.raises(ConnectionError):
        trail.settle()
    # WHEN someone's command lands in the same stream before the next settling
    trail.append(audit_draft("sre service list"))
    # THEN the next settling still finds it in the trail: forgotten, not written twice
    assert trail.settle() == []
    assert _stream(log) == ["sre chaos halt --all 09:30", "sre service list 09:30"]
    assert owed.owed() == []


def test_a_settling_cut_short_keeps_what_it_wrote_and_owes_the_rest() -> None:
    log, owed = FailsAfter(), InMemoryOwedEntries()
    trail = _trail(log, owed)
    for command in ("sre chaos halt chx-1", "sre chaos halt chx-2", "sre chaos halt chx-3"):
        owed.owe(audit_draft(command))
    # WHEN the trail is lost after the first owed entry is written
    written = trail.settle()
    # THEN the settling says what it wrote, and the rest stay owed
    assert [r.command for r in written] == ["sre chaos halt chx-1"]
    assert [d.command for d in owed.owed()] == ["sre chaos halt chx-2", "sre chaos halt chx-3"]
    # AND once the trail is back they are written after it, each once
    log.failing, log.taking = False, 10
    assert len(trail.settle()) == 2
    assert _stream(log) == [f"sre chaos halt chx-{n} 09:30" for n in (1, 2, 3)]


def test_append_or_owe_writes_when_it_can_and_owes_when_the_trail_is_down() -> None:
    log, owed = InMemoryAuditLog(), InMemoryOwedEntries()
    trail = _trail(log, owed)
    # WHEN the trail is up THEN the entry is written
    written = trail.append_or_owe(audit_draft("sre chaos halt chx-1"))
    assert isinstance(written, AuditRecord) and written.command == "sre chaos halt chx-1"
    # WHEN it is down THEN the entry is owed, not lost, and written once it is back
    log.failing = True
    assert trail.append_or_owe(audit_draft("sre chaos halt chx-2")) == Owed(saved=True)
    assert [d.command for d in owed.owed()] == ["sre chaos halt chx-2"]
    log.failing = False
    assert len(trail.settle()) == 1
    assert _stream(log) == ["sre chaos halt chx-1 09:30", "sre chaos halt chx-2 09:30"]
