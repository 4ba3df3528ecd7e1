"""The pure hash chain: link an entry to its predecessor, and check a run of entries."""

from __future__ import annotations

import hashlib
import json
import re

from shared.audit.models import GENESIS_HASH, AuditDraft, AuditRecord, StreamKey


def entry_json(draft: AuditDraft) -> str:
    """The canonical JSON of an entry's content: sorted keys, no spaces, UTF-8 kept."""
    body = draft.model_dump(mode="json", include=set(AuditDraft.model_fields))
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(prev_hash: str, seq: int, draft: AuditDraft) -> str:
    """sha256 over the previous hash, the sequence number and the entry's canonical JSON."""
    return stored_hash(prev_hash, seq, entry_json(draft).encode("utf-8"))


_STORED = re.compile(
    rb'^\{"seq":(\d+),"prev_hash":"([0-9a-f]{64})","hash":"([0-9a-f]{64})","entry":(.*)\}$',
    re.DOTALL,
)


def encode(record: AuditRecord) -> bytes:
    """The stored form: the chain fields, then the entry's canonical JSON exactly as it was hashed.

    Verification can then hash the stored bytes without parsing and re-serialising the entry.
    """
    head = f'{{"seq":{record.seq},"prev_hash":"{record.prev_hash}","hash":"{record.hash}","entry":'
    return f"{head}{entry_json(record)}}}".encode()


def split(body: bytes) -> tuple[int, str, str, bytes] | None:
    """Sequence number, previous hash, hash and hashed content of a stored entry, if readable."""
    found = _STORED.match(body)
    if found is None:
        return None
    return int(found[1]), found[2].decode(), found[3].decode(), found[4]


def stream_marks(stream: StreamKey) -> tuple[bytes, bytes]:
    """The org and the team of `stream` as an entry's canonical JSON writes them."""
    return tuple(  # type: ignore[return-value]
        json.dumps(value, ensure_ascii=False).encode() for value in (stream.org, stream.team)
    )


def written_in(content: bytes, marks: tuple[bytes, bytes]) -> bool:
    """Whether an entry's hashed content (as `split` gives it) names the stream whose
    `stream_marks` are `marks`: its top-level org and team, read without parsing the entry (a
    trail copied whole from another team's keeps every hash and link)."""
    # the last keys are org, outcome, target, team and time, in that order, and their values
    # are strings (a quote inside is escaped): the last `,"org":` and `,"team":` are the entry's
    org, team = marks
    at_org, at_team = content.rfind(b',"org":'), content.rfind(b',"team":')
    return (
        at_org >= 0
        and at_team > at_org
        and content.startswith(org + b',"outcome":', at_org + 7)
        and content.startswith(team + b',"time":', at_team + 8)
    )


def stored_hash(prev_hash: str, seq: int, content: bytes) -> str:
    """The chain hash over stored content bytes (the same as `link_hash` over the entry)."""
    return hashlib.sha256(f"{prev_hash}\n{seq}\n".encode() + content).hexdigest()


def matches_its_hash(parts: tuple[int, str, str, bytes]) -> bool:
    """Whether a stored entry's content (as `split` gives it) is what its stated hash was made
    over: changed since it was written, it is not (its link to the entry before is another
    check)."""
    seq, prev_hash, stated_hash, content = parts
    return stored_hash(prev_hash, seq, content) == stated_hash


def decode(body: bytes) -> AuditRecord:
    """An entry from its stored form."""
    data = json.loads(body)
    return AuditRecord(
        **data["entry"], seq=data["seq"], prev_hash=data["prev_hash"], hash=data["hash"]
    )


def next_record(head: AuditRecord | None, draft: AuditDraft) -> AuditRecord:
    """The record that follows `head` (or starts the chain) for `draft`."""
    seq = head.seq + 1 if head else 1
    prev_hash = head.hash if head else GENESIS_HASH
    return AuditRecord(
        **draft.model_dump(), seq=seq, prev_hash=prev_hash, hash=link_hash(prev_hash, seq, draft)
    )
