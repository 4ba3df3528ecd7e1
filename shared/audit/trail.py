"""Append to a team's chain, retrying when a concurrent writer took the sequence number."""

from __future__ import annotations

from shared.audit.chain import next_record
from shared.audit.models import AuditDraft, AuditRecord
from shared.errors import AuditUnavailableError, ConflictError
from shared.ports import AuditLog

MAX_ATTEMPTS = 20


class AuditTrail:
    """The one way entries are written: chained, numbered without gaps, never overwritten."""

    def __init__(self, *, log: AuditLog) -> None:
        self._log = log

    def append(self, draft: AuditDraft) -> AuditRecord:
        """Chain `draft` after its stream's head; `AuditUnavailableError` if it cannot be stored."""
        for _ in range(MAX_ATTEMPTS):
            try:
                record = next_record(self._log.head(draft.stream), draft)
                self._log.put(record)
            except ConflictError:
                continue  # another writer took this number: chain after theirs
            except Exception as error:
                raise AuditUnavailableError(
                    "the audit trail could not be written, so nothing was done"
                ) from error
            return record
        raise AuditUnavailableError("the audit trail is too busy right now, so nothing was done")
