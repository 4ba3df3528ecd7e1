"""Running canaries counted against their team's `canaries` quota: a unit is taken before a
canary is recorded, and given back by the one write that ends it (promoted or rolled back)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.canary.models import Canary
from shared.canary.ports import CanaryStore
from shared.identity.models import OrgId
from shared.quotas.models import Limit
from shared.quotas.running import EndingWrites, first_recorded
from shared.quotas.service import QuotaService


class QuotaCountedCanaryStore:
    """A CanaryStore that gives the team's unit back when a write ends a canary. Writes are
    conditional on the version, so of all the writers (a person's promote, the scheduler's
    judgement, its finish of a rollback, an undone start) exactly one moves a canary from live
    to over, and only that one gives back. A crash between that write and the give-back keeps
    the unit taken (the safe side: a limit never passed)."""

    def __init__(self, store: CanaryStore, *, quotas: QuotaService) -> None:
        self._store = store
        self._writes = EndingWrites[Canary](
            get=store.get,
            save=store.save,
            quotas=quotas,
            limit=Limit.CANARIES,
            over=lambda canary: canary.state.over,
            ended_at=lambda canary: canary.history[-1].at if canary.history else canary.started_at,
        )

    def get(self, org: OrgId, canary_id: str) -> Canary | None:
        """One canary, or None."""
        return self._store.get(org, canary_id)

    def save(self, canary: Canary) -> Canary:
        """Store it (conditional on its version); if this write ended it, give its unit back."""
        return self._writes.save(canary)

    def list_for(self, org: OrgId, team: str) -> Sequence[Canary]:
        """A team's canaries, newest first."""
        return self._store.list_for(org, team)

    def every(self) -> Sequence[Canary]:
        """Every live canary of every org."""
        return self._store.every()


def recorded(store: CanaryStore, planned: Canary, *, quotas: QuotaService, now: datetime) -> Canary:
    """`planned` recorded as starting, after taking a unit of its team's `canaries` quota
    (QuotaExceededError, nothing recorded nor moved, when none is left); the unit is given back
    if the canary cannot be recorded."""
    return first_recorded(store.save, planned, quotas=quotas, limit=Limit.CANARIES, now=now)
