"""The OwedEntries port in memory (for tests and the memory deployment)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from shared.audit.models import AuditDraft
from shared.identity.models import OrgId


class InMemoryOwedEntries:
    """Owed entries by org and id, in the order owed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owed: dict[tuple[str, str], AuditDraft] = {}
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

    def paid(self, draft: AuditDraft) -> None:
        self._check()
        with self._lock:
            self._owed.pop((draft.org, draft.id), None)

    def _check(self) -> None:
        if self.failing:
            raise ConnectionError("state store unreachable")
