"""The Quotas port in memory: counters under one lock (for tests and the memory deployment)."""

from __future__ import annotations

import threading
from datetime import datetime

from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.quotas.models import Cap, Limit, QuotaBook, Refused, Taken, counted, room


class InMemoryQuotas:
    """Counters and books in dictionaries; each take checks and adds under the one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, Limit, str], int] = {}
        self._books: dict[str, QuotaBook] = {}
        self._told: set[tuple[str, str, Limit, str]] = set()

    def take(
        self, org: OrgId, team: str, limit: Limit, amount: int, *, at: datetime, cap: Cap
    ) -> Taken | Refused:
        key = (org, team, limit, limit.window.key(at))
        most = room(cap, amount)
        with self._lock:
            used = self._counts.get(key, 0)
            if most is not None and used > most:
                return counted(limit, used, cap, taken=False, at=at)
            self._counts[key] = used + amount
            return counted(limit, used + amount, cap, taken=True, at=at)

    def give_back(self, org: OrgId, team: str, limit: Limit, amount: int, *, at: datetime) -> None:
        key = (org, team, limit, limit.window.key(at))
        with self._lock:
            self._counts[key] = max(0, self._counts.get(key, 0) - amount)

    def used(self, org: OrgId, team: str, limit: Limit, *, at: datetime) -> int:
        with self._lock:
            return self._counts.get((org, team, limit, limit.window.key(at)), 0)

    def tell_once(self, org: OrgId, team: str, limit: Limit, *, at: datetime) -> bool:
        key = (org, team, limit, limit.window.key(at))
        with self._lock:
            first = key not in self._told
            self._told.add(key)
            return first

    def book(self, org: OrgId) -> QuotaBook:
        with self._lock:
            return self._books.get(org) or QuotaBook(org=org)

    def save_book(self, book: QuotaBook) -> QuotaBook:
        with self._lock:
            stored = self._books.get(book.org)
            if (stored.version if stored else 0) != book.version:
                raise ConflictError(f"the quotas of {book.org} changed since they were read")
            saved = book.model_copy(update={"version": book.version + 1})
            self._books[book.org] = saved
            return saved
