"""The audit trail under concurrent writers."""

from __future__ import annotations

import threading

from shared.adapters.memory import InMemoryAuditLog
from shared.audit.models import AuditRecord
from tests.support import audit_draft, trail_for


def test_concurrent_appends_never_share_a_sequence_number() -> None:
    trail = trail_for(InMemoryAuditLog())
    records: list[AuditRecord] = []

    def append() -> None:
        for _ in range(50):
            records.append(trail.append(audit_draft("sre team list")))

    threads = [threading.Thread(target=append) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.seq for r in records) == list(range(1, 201))
