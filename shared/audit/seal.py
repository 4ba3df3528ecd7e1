"""Signed digests: HMAC-SHA256 over a stream's head, linked to the digest before (pure)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from shared.audit.models import GENESIS_HASH, AuditRecord, Digest, StoredDigest


@dataclass(frozen=True)
class SigningKey:
    """A secret for HMAC-SHA256 and a short id that names it without revealing it."""

    secret: bytes

    @property
    def key_id(self) -> str:
        """The first 16 hex digits of the secret's SHA-256."""
        return hashlib.sha256(self.secret).hexdigest()[:16]


def _canonical(digest: Digest, *, signed: bool) -> bytes:
    body = digest.model_dump(mode="json", exclude=set() if signed else {"signature"})
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def digest_hash(digest: Digest) -> str:
    """The SHA-256 of the whole digest, signature included: what the next digest links to."""
    return hashlib.sha256(_canonical(digest, signed=True)).hexdigest()


def signature_of(digest: Digest, key: SigningKey) -> str:
    """HMAC-SHA256 of the digest's content, signature left out."""
    return hmac.new(key.secret, _canonical(digest, signed=False), hashlib.sha256).hexdigest()


def seal(head: AuditRecord, previous: Digest | None, key: SigningKey, now: datetime) -> Digest:
    """The digest that seals `head`, following `previous`."""
    unsigned = Digest(
        org=head.org,
        team=head.team,
        number=previous.number + 1 if previous else 1,
        time=now,
        last_seq=head.seq,
        last_hash=head.hash,
        previous_digest_hash=digest_hash(previous) if previous else GENESIS_HASH,
        key_id=key.key_id,
    )
    return unsigned.model_copy(update={"signature": signature_of(unsigned, key)})


def signed_by(digest: Digest, key: SigningKey) -> bool:
    """Whether `key` made the digest's signature."""
    return digest.key_id == key.key_id and hmac.compare_digest(
        digest.signature, signature_of(digest, key)
    )


def parsed(stored: StoredDigest) -> Digest | None:
    """The digest a stored one holds, or None if it is not a readable digest of its number."""
    try:
        digest = Digest.model_validate_json(stored.body)
    except ValidationError:
        return None
    return digest if digest.number == stored.number else None


def readable(stored: Iterable[StoredDigest]) -> list[Digest]:
    """The stored digests that can be read, in order (`sre audit verify` names the others)."""
    return [d for s in stored if (d := parsed(s)) is not None]


def digest_problems(stored: Iterable[StoredDigest]) -> dict[int, str]:
    """What is wrong with each stored digest that cannot be trusted as stored, by number."""
    problems: dict[int, str] = {}
    for digest in stored:
        if parsed(digest) is None:
            problems[digest.number] = "is not a readable digest"
        elif digest.versions > 1:
            problems[digest.number] = f"was overwritten ({digest.versions} versions)"
    return problems
