"""Audit entries: what was asked, by whom, for which team, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from shared.identity.models import Actor, OrgId
from shared.records import Frozen

ORG_STREAM = "_org"
"""The stream of org-wide actions (team names cannot start with `_`)."""

GENESIS_HASH = "0" * 64


class Outcome(StrEnum):
    """How far an action got."""

    REQUESTED = "requested"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DENIED = "denied"


class StreamKey(Frozen):
    """One hash chain: an org's team, or the org itself."""

    org: OrgId
    team: str

    def __str__(self) -> str:
        return f"{self.org}/{self.team}"


class AuditDraft(Frozen):
    """An entry before it takes its place in a chain."""

    id: str
    time: datetime
    org: OrgId
    team: str
    actor: Actor
    command: str
    target: str = ""
    outcome: Outcome
    correlation_id: str
    details: dict[str, str] = Field(default_factory=dict)

    @property
    def stream(self) -> StreamKey:
        """The chain this entry belongs to."""
        return StreamKey(org=self.org, team=self.team)


def entry_name(team: str, seq: int) -> str:
    """An entry as receipts name it, by its trail and number: `payments#12`, `org#3`."""
    return f"{'org' if team == ORG_STREAM else team}#{seq}"


class AuditRecord(AuditDraft):
    """An entry in its chain: its sequence number, the previous entry's hash and its own."""

    seq: int = Field(ge=1)
    prev_hash: str
    hash: str

    @property
    def receipt(self) -> str:
        """What a reply shows so the entry can be found, naming its trail (the team's, or the
        org's): `audit payments#12 · 9f2c1a`, `audit org#3 · 06083d`."""
        return f"audit {entry_name(self.team, self.seq)} · {self.hash[:6]}"


class Digest(Frozen):
    """A signed seal over a stream: its head when sealed, linked to the previous digest."""

    org: OrgId
    team: str
    number: int = Field(ge=1)
    time: datetime
    last_seq: int = Field(ge=1)
    last_hash: str
    previous_digest_hash: str
    key_id: str
    signature: str = ""

    @property
    def stream(self) -> StreamKey:
        """The chain this digest seals."""
        return StreamKey(org=self.org, team=self.team)


class HeadMark(Frozen):
    """The longest head of a stream the state store has seen: the last receipt a reply showed.

    Kept beside the state (not in the trail), so a trail cut or re-chained after its last digest
    still shows: the stream must reach `seq`, and its entry there must have this `hash`.
    """

    org: OrgId
    team: str
    seq: int = Field(ge=1)
    hash: str

    @property
    def stream(self) -> StreamKey:
        """The chain this mark is for."""
        return StreamKey(org=self.org, team=self.team)


@dataclass(frozen=True, slots=True)
class LockState:
    """How the storage protects one stored entry: S3 Object Lock, or a read-only file."""

    mode: str
    """`COMPLIANCE` or `GOVERNANCE` on S3, `read-only` or `writable` for a local file, `none`."""
    retain_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry as stored, not yet trusted: where it sits, its bytes and how it is locked.

    A plain dataclass, not a model: verification reads a hundred thousand of these a second.
    """

    position: int
    body: bytes
    lock: LockState | None = None
    versions: int = 1
    """How many versions the storage holds of it (S3 keeps each put over a key as a version)."""


@dataclass(frozen=True, slots=True)
class StoredDigest:
    """A digest as stored, not yet trusted: its number, its bytes and how many versions of it
    the storage holds."""

    number: int
    body: bytes
    versions: int = 1
