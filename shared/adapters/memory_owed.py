"""The OwedEntries port in memory (for tests and the memory deployment)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from shared.audit.models import AuditDraft
from shared.audit.owed import LEASE, Claim
from shared.identity.models import OrgId


class InMemoryOwedEntries:
    """Owed entries by org and id, in the order owed; claims under one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owed: dict[tuple[str, str], AuditDraft] = {}
        self._claims: dict[tuple[str, str], tuple[datetime | None, int]] = {}
        """By entry: until when it is held (None: let go) and the head seq first seen."""
        self.failing = False
        """Set to make every call fail, as a state store that cannot be reached would."""

    def owe(self, draft: AuditDraft) -> None:
        self._check()
        with self._lock:
            self._owed.setdefault((draft.org, draft.id), draft)

    def owed(self, org: OrgId | None = None) -> Sequence[AuditDraft]:
        self._check()
        with self._lock:
            found = [d for d in self._owed.values() if org in (None, d.org)]
        return sorted(found, key=lambda d: d.time)  # stable: the order owed within a time

    def claim(self, draft: AuditDraft, *, now: datetime, seen: int) -> Claim | None:
        self._check()
        key = (draft.org, draft.id)
        with self._lock:
            if key not in self._owed:
                return None
            until, first = self._claims.get(key, (None, None))
            if until is not None and until > now:
                return None
            self._claims[key] = (now + LEASE, seen if first is None else first)
            return Claim(seen=first)

    def release(self, draft: AuditDraft) -> None:
        self._check()
        key = (draft.org, draft.id)
        with self._lock:
            if key in self._claims:
                self._claims[key] = (None, self._claims[key][1])

    def paid(self, draft: AuditDraft) -> None:
        self._check()
        with self._lock:
            self._owed.pop((draft.org, draft.id), None)
            self._claims.pop((draft.org, draft.id), None)

    def _check(self) -> None:
        if self.failing:
            raise ConnectionError("state store unreachable")
