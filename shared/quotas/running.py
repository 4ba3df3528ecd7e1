"""Running limits (`canaries`, `chaos-experiments`): a unit taken before a thing is first
recorded, given back if that record fails, and given back by the one write that ends it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from shared.identity.models import OrgId
from shared.quotas.models import Limit
from shared.quotas.service import QuotaService


class Versioned(Protocol):
    """What a running thing's record has: its org, team, id and the version its write is
    conditional on."""

    @property
    def org(self) -> str:
        """Its org."""
        ...

    @property
    def team(self) -> str:
        """The team it counts against."""
        ...

    @property
    def id(self) -> str:
        """Its id in the store."""
        ...

    @property
    def version(self) -> int:
        """The stored version its next write is conditional on."""
        ...


T = TypeVar("T", bound=Versioned)


class EndingWrites(Generic[T]):
    """Writes of a versioned store that give the team's unit back when a write ends the thing.
    Writes are conditional on the version, so of all the writers exactly one moves it from
    running to over, and only that one gives back. A crash between that write and the
    give-back keeps the unit taken (the safe side: a limit never passed)."""

    def __init__(
        self,
        *,
        get: Callable[[OrgId, str], T | None],
        save: Callable[[T], T],
        quotas: QuotaService,
        limit: Limit,
        over: Callable[[T], bool],
        ended_at: Callable[[T], datetime],
    ) -> None:
        self._get = get
        self._save = save
        self._quotas = quotas
        self._limit = limit
        self._over = over
        self._ended_at = ended_at

    def save(self, item: T) -> T:
        """Store it (conditional on its version); if this write ended it, give its unit back."""
        org = OrgId(item.org)
        before = self._get(org, item.id) if self._over(item) else None
        saved = self._save(item)
        if before is not None and before.version == item.version and not self._over(before):
            self._quotas.give_back(org, saved.team, self._limit, at=self._ended_at(saved))
        return saved


def first_recorded(
    record: Callable[[T], T], item: T, *, quotas: QuotaService, limit: Limit, now: datetime
) -> T:
    """`item` recorded by its first write, after taking a unit of its team's `limit`
    (QuotaExceededError, nothing recorded, when none is left); the unit is given back if the
    record fails."""
    org = OrgId(item.org)
    quotas.require(org, item.team, limit, at=now)
    try:
        return record(item)
    except Exception:
        quotas.give_back(org, item.team, limit, at=now, unused=True)
        raise
