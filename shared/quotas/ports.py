"""The quotas' port: counters taken and given back atomically, and each org's limits."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shared.identity.models import OrgId
from shared.quotas.models import Cap, Limit, QuotaBook, Refused, Taken
from shared.quotas.usage import UsageKind, UsageLine


class Quotas(Protocol):
    """One counter per (org, team, limit, window), changed by conditional atomic updates, and
    the org's limits (its `QuotaBook`)."""

    def take(
        self, org: OrgId, team: str, limit: Limit, amount: int, *, at: datetime, cap: Cap
    ) -> Taken | Refused:
        """Add `amount` to the counter of `at`'s window if it then stays within `cap` (None:
        always): in one atomic step, so racing takers never pass the cap together."""
        ...

    def give_back(self, org: OrgId, team: str, limit: Limit, amount: int, *, at: datetime) -> None:
        """Return `amount` units (a running canary ended); the counter never goes below zero."""
        ...

    def used(self, org: OrgId, team: str, limit: Limit, *, at: datetime) -> int:
        """How many units the counter of `at`'s window holds."""
        ...

    def tell_once(self, org: OrgId, team: str, limit: Limit, *, at: datetime) -> bool:
        """Mark that the team was told `limit` is spent in `at`'s window: True the first time
        (atomic: of racing callers exactly one), False once marked."""
        ...

    def book(self, org: OrgId) -> QuotaBook:
        """The org's limits (an empty book when it set none)."""
        ...

    def save_book(self, book: QuotaBook) -> QuotaBook:
        """Store `book` as its next version; ConflictError if it changed since it was read."""
        ...


class UsageLedger(Protocol):
    """One monthly record per (org, team, month, kind), kept after its month (for chargeback)."""

    def add(self, org: OrgId, team: str, kind: UsageKind, amount: int, *, at: datetime) -> None:
        """Add `amount` (negative: a count given back) to the record of `at`'s month (atomic);
        a record never goes below zero."""
        ...

    def month(self, org: OrgId, month: str) -> list[UsageLine]:
        """Every record of the org's `month` (`2026-11`), by team and kind."""
        ...

    def claim_summary(self, org: OrgId, month: str) -> bool:
        """Mark the org's summary of `month` as told: True the first time (atomic: of racing
        callers exactly one), False once marked."""
        ...

    def release_summary(self, org: OrgId, month: str) -> None:
        """Unmark it (it could not be audited, so it was not told: the next tick tries again)."""
        ...
