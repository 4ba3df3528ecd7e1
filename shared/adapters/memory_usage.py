"""The UsageLedger port in memory: one count per (org, team, month, kind) under one lock."""

from __future__ import annotations

import threading
from datetime import datetime

from shared.identity.models import OrgId
from shared.quotas.usage import UsageKind, UsageLine, month_of


class InMemoryUsageLedger:
    """Monthly counts in a dictionary."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, str, UsageKind], int] = {}
        self._summaries: set[tuple[str, str]] = set()

    def add(self, org: OrgId, team: str, kind: UsageKind, amount: int, *, at: datetime) -> None:
        key = (org, month_of(at), team, kind)
        with self._lock:
            self._counts[key] = max(0, self._counts.get(key, 0) + amount)

    def month(self, org: OrgId, month: str) -> list[UsageLine]:
        with self._lock:
            found = [(k, n) for k, n in self._counts.items() if k[:2] == (org, month)]
        return [
            UsageLine(team=team, month=month, kind=kind, count=n)
            for (_, _, team, kind), n in sorted(found)
        ]

    def claim_summary(self, org: OrgId, month: str) -> bool:
        with self._lock:
            first = (org, month) not in self._summaries
            self._summaries.add((org, month))
            return first

    def release_summary(self, org: OrgId, month: str) -> None:
        with self._lock:
            self._summaries.discard((org, month))
