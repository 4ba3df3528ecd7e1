"""Entries owed to the audit trail: what a kill switch did while the trail could not be written
(a halt is never held back by the trail), kept in the state store under its org and written to
the trail later, in the order owed and with its own time, then forgotten."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Protocol

from shared.audit.models import AuditDraft
from shared.identity.models import OrgId


class OwedEntries(Protocol):
    """Where owed entries wait for the trail (the state store), keyed by their org and id."""

    def owe(self, draft: AuditDraft) -> None:
        """Keep `draft` until it is written (owing the same id again keeps it once)."""

    def owed(self, org: OrgId | None = None) -> Sequence[AuditDraft]:
        """The entries owed (of `org`, if given), oldest first, in the order they were owed."""

    def paid(self, draft: AuditDraft) -> None:
        """Forget `draft`: it is in the trail."""


@dataclass(frozen=True, slots=True)
class Owed:
    """An entry the trail could not take: kept to be written when it is back (`saved`), or, the
    state store being down too, only in the log."""

    saved: bool

    @property
    def said(self) -> str:
        """What the answer says of its audit entry."""
        if self.saved:
            return "Its audit entry will be written when the audit trail is back."
        return (
            "Its audit entry could not be saved (the audit trail and the state store are both "
            "unavailable): it is in the error log."
        )


def owed_order(draft: AuditDraft) -> str:
    """The entry's time as text that sorts as the time does (UTC, to the microsecond): how a
    store keeps owed entries in order."""
    return draft.time.astimezone(UTC).isoformat(timespec="microseconds")
