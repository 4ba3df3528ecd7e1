"""Entries owed to the audit trail: what a kill switch did while the trail could not be written
(a halt is never held back by the trail), kept in the state store under its org and written to
the trail later, in the order owed and with its own time, each once, then forgotten.

Each once: a writer first *claims* the entry (a conditional write in the store), so two
overlapping ticks never both write it. The claim records the head of the entry's stream as the
writer saw it; a claim let go (its write failed) or whose writer died (its `LEASE` over) is
taken again, and the next writer first looks for the entry's id in the stream after that head.
That look is the cheapest correct check: it reads only the entries written since the claim,
only when a claim is taken again, and it needs no second write between the trail's write and
the forgetting (which could itself be lost)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from shared.audit.models import AuditDraft
from shared.identity.models import OrgId

LEASE = timedelta(minutes=5)
"""How long a claim holds an owed entry: after it, the entry is taken again (its writer died)."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A writer's hold on an owed entry. `seen`: the head seq of the entry's stream an earlier
    holder saw when it claimed it (the entry may be in the trail after it); None: never held."""

    seen: int | None


class OwedEntries(Protocol):
    """Where owed entries wait for the trail (the state store), keyed by their org and id."""

    def owe(self, draft: AuditDraft) -> None:
        """Keep `draft` until it is written (owing the same id again keeps it once)."""

    def owed(self, org: OrgId | None = None) -> Sequence[AuditDraft]:
        """The entries owed (of `org`, if given), oldest first; of one time, in the order they
        were owed."""

    def claim(self, draft: AuditDraft, *, now: datetime, seen: int) -> Claim | None:
        """Hold `draft` until `now + LEASE` to write it, recording `seen` (its stream's head seq)
        unless an earlier holder did; None if another holds it or it is no longer owed."""

    def release(self, draft: AuditDraft) -> None:
        """Let go of `draft` (its write failed): the next writer may claim it at once."""

    def paid(self, draft: AuditDraft) -> None:
        """Forget `draft` (and its claim): it is in the trail."""


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
    return moment_text(draft.time)


def moment_text(at: datetime) -> str:
    """`at` as text that sorts as the time does (UTC, to the microsecond)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")
