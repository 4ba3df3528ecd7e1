"""The pure hash chain: link an entry to its predecessor, and check a run of entries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from shared.audit.models import GENESIS_HASH, AuditDraft, AuditRecord


def entry_json(draft: AuditDraft) -> str:
    """The canonical JSON of an entry's content: sorted keys, no spaces, UTF-8 kept."""
    body = draft.model_dump(mode="json", include=set(AuditDraft.model_fields))
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(prev_hash: str, seq: int, draft: AuditDraft) -> str:
    """sha256 over the previous hash, the sequence number and the entry's canonical JSON."""
    material = f"{prev_hash}\n{seq}\n{entry_json(draft)}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def next_record(head: AuditRecord | None, draft: AuditDraft) -> AuditRecord:
    """The record that follows `head` (or starts the chain) for `draft`."""
    seq = head.seq + 1 if head else 1
    prev_hash = head.hash if head else GENESIS_HASH
    return AuditRecord(
        **draft.model_dump(), seq=seq, prev_hash=prev_hash, hash=link_hash(prev_hash, seq, draft)
    )


def first_broken(records: Iterable[AuditRecord], *, after: AuditRecord | None = None) -> str | None:
    """Describe the first broken link in `records` (which follow `after`), or None if all hold."""
    previous = after
    for record in records:
        expected_seq = previous.seq + 1 if previous else 1
        expected_prev = previous.hash if previous else GENESIS_HASH
        if record.seq != expected_seq:
            return f"#{record.seq}: expected sequence number {expected_seq}"
        if record.prev_hash != expected_prev:
            return f"#{record.seq}: does not link to the entry before it"
        if record.hash != link_hash(record.prev_hash, record.seq, record):
            return f"#{record.seq}: its content does not match its hash"
        previous = record
    return None
