"""A trail that does not answer (S3 hanging): a kill switch's entry is owed after a short wait,
the next at once while the first append is still stuck; the append given up on puts nothing
more, and one already sent when given up on is found in the trail, not written twice; after a
write that timed out, the others fail (or are owed) at once for a while."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from shared.adapters.memory import FixedClock, InMemoryAuditLog
from shared.adapters.memory_owed import InMemoryOwedEntries
from shared.audit.attempt import SLOW_FAILURE
from shared.audit.models import AuditRecord, StreamKey
from shared.audit.owed import Owed
from shared.audit.trail import AuditTrail
from shared.errors import AuditUnavailableError
from shared.identity.models import OrgId
from tests.support import NOW, TEST_KEY, audit_draft, records

WAIT = 0.05
"""Seconds the tests' trail waits (TRAIL_WAIT in production)."""
STREAM = StreamKey(org=OrgId("T1"), team="payments")


class Silent(InMemoryAuditLog):
    """An audit log whose calls (`head` or `put`, as chosen) wait until it is let go, as S3 does
    when it accepts a request and does not answer."""

    def __init__(self, *, silent: str) -> None:
        super().__init__()
        self.silent = silent
        self.let_go = threading.Event()
        self.waiting = threading.Event()  # a call is waiting

    def _wait(self, call: str) -> None:
        if call == self.silent and not self.let_go.is_set():
            self.waiting.set()
            self.let_go.wait(10)

    def head(self, stream: StreamKey) -> AuditRecord | None:
        """The head, once let go."""
        self._wait("head")
        return super().head(stream)

    def put(self, record: AuditRecord) -> None:
        """Stored, once let go."""
        self._wait("put")
        super().put(record)


def _trail(log: InMemoryAuditLog, owed: InMemoryOwedEntries) -> AuditTrail:
    return AuditTrail(
        log=log, key=lambda: TEST_KEY, clock=FixedClock(NOW + timedelta(minutes=1)), owed=owed
    )


def _ids(log: InMemoryAuditLog) -> list[str]:
    return [r.id for r in records(log, STREAM)]


def _ended(trail: AuditTrail) -> bool:
    """Whether the append given up on has ended (the trail no longer counts it stuck)."""
    for _ in range(200):
        if not trail.stuck:
            return True
        threading.Event().wait(0.01)
    return False


def test_a_halt_is_owed_when_the_trail_is_silent_and_the_next_at_once() -> None:
    log, owed = Silent(silent="head"), InMemoryOwedEntries()
    trail = _trail(log, owed)
    halt, again = audit_draft("sre chaos halt chx-1"), audit_draft("sre chaos halt --all")
    # WHEN the trail does not answer THEN the halt's entry is owed after the wait
    assert trail.append_or_owe(halt, wait=WAIT) == Owed(saved=True)
    assert log.waiting.is_set()
    # AND while that append is stuck, the next is owed without waiting for the trail again
    assert trail.append_or_owe(again, wait=60) == Owed(saved=True)
    assert [d.id for d in owed.owed()] == [halt.id, again.id]
    # WHEN the trail answers again THEN the append given up on puts nothing
    log.let_go.set()
    assert _ended(trail)
    assert _ids(log) == []
    # AND the next tick writes both, each once, in the order owed
    assert [r.id for r in trail.settle()] == [halt.id, again.id]
    assert _ids(log) == [halt.id, again.id]
    # AND the trail is used again as soon as it answers
    third = audit_draft("sre chaos halt chx-2")
    assert isinstance(trail.append_or_owe(third, wait=WAIT), AuditRecord)


def test_a_put_sent_before_the_wait_ended_and_landing_late_is_not_written_twice() -> None:
    log, owed = Silent(silent=""), InMemoryOwedEntries()
    trail = _trail(log, owed)
    trail.append(audit_draft("sre team create payments"))  # (a head to follow)
    log.silent = "put"
    halt = audit_draft("sre chaos halt chx-1")
    # GIVEN the halt's put sent, S3 not answering: owed
    assert trail.append_or_owe(halt, wait=WAIT) == Owed(saved=True)
    # WHEN the put lands after all
    log.let_go.set()
    assert _ended(trail)
    assert _ids(log)[-1] == halt.id
    # THEN settling finds it in the trail: written once, its debt forgotten
    assert trail.settle() == []
    assert _ids(log).count(halt.id) == 1
    assert owed.owed() == []


def test_an_answering_trail_writes_at_once_and_a_refusing_one_is_owed_without_waiting() -> None:
    log, owed = InMemoryAuditLog(), InMemoryOwedEntries()
    trail = _trail(log, owed)
    written = trail.append_or_owe(audit_draft("sre chaos halt chx-1"), wait=60)
    assert isinstance(written, AuditRecord)
    log.failing = True
    assert trail.append_or_owe(audit_draft("sre chaos halt chx-2"), wait=60) == Owed(saved=True)
    assert not trail.stuck  # a refusal is an answer: nothing stuck


class TimesOut(InMemoryAuditLog):
    """An audit log whose every put fails after a client's timeout (here just over 1 s)."""

    puts = 0

    def put(self, record: AuditRecord) -> None:
        """Counted, then failed after the wait."""
        self.puts += 1
        threading.Event().wait(SLOW_FAILURE + 0.05)
        raise TimeoutError("Read timeout on endpoint URL")


def test_after_a_write_that_timed_out_the_next_fail_or_are_owed_at_once() -> None:
    log, owed = TimesOut(), InMemoryOwedEntries()
    trail = _trail(log, owed)
    owed.owe(audit_draft("sre chaos halt chx-0"))
    # GIVEN one write that timed out
    with pytest.raises(AuditUnavailableError):
        trail.append(audit_draft("sre alert create errors"))
    # THEN the next entries do not wait for their own timeout: refused, owed, or left owed
    with pytest.raises(AuditUnavailableError, match="not answering"):
        trail.append(audit_draft("sre canary start checkout-api"))
    assert trail.append_or_owe(audit_draft("sre chaos halt chx-1"), wait=60) == Owed(saved=True)
    assert trail.settle() == []
    assert log.puts == 1
    assert len(owed.owed()) == 2
