"""What the audit trail needs from outside: append-only storage, and where heads are remembered."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from shared.audit.models import (
    AuditRecord,
    Digest,
    HeadMark,
    StoredDigest,
    StoredEntry,
    StreamKey,
)
from shared.identity.models import OrgId
from shared.identity.ports import Directory


class AuditLog(Protocol):
    """Append-only storage of hash-chained entries, one chain per stream."""

    def head(self, stream: StreamKey) -> AuditRecord | None:
        """The stream's last entry, or None if it is empty."""

    def put(self, record: AuditRecord) -> None:
        """Store a new entry; ConflictError if its sequence number is taken."""

    def scan(
        self, stream: StreamKey, *, after: int = 0, upto: int | None = None
    ) -> Iterator[StoredEntry]:
        """Entries numbered above `after` (and at most `upto`) as stored (not yet trusted), in
        order."""

    def put_digest(self, digest: Digest) -> None:
        """Store a new digest; ConflictError if its number is taken."""

    def digests(self, stream: StreamKey) -> Sequence[Digest]:
        """The stream's readable digests, in order."""

    def stored_digests(self, stream: StreamKey) -> Sequence[StoredDigest]:
        """The stream's digests as stored (not yet trusted), in order."""

    def streams(self, org: OrgId) -> Sequence[StreamKey]:
        """Every stream of the org that has entries."""

    def orgs(self) -> Sequence[OrgId]:
        """Every org that has entries."""


class HeadMarks(Protocol):
    """Where the longest head of each stream is remembered (the state store's directory)."""

    def mark_head(self, mark: HeadMark) -> None:
        """Remember an audit stream's head, unless a longer one is already remembered."""

    def head_marks(self, org: OrgId) -> Sequence[HeadMark]:
        """The longest head remembered for each audit stream of the org, by team."""


class AuditDirectory(Directory, HeadMarks, Protocol):
    """The directory as the audit commands read it: teams, and each stream's remembered head."""
