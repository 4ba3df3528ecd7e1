"""The local audit folder with a journal of open requests in the SQLite file, so an entry left
`requested` by a process that died gets its outcome when the next process starts."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_lease import ProcessLease
from shared.audit.chain import decode
from shared.audit.models import (
    AuditDraft,
    AuditRecord,
    Digest,
    Outcome,
    StoredDigest,
    StoredEntry,
    StreamKey,
)
from shared.audit.ports import AuditLog
from shared.audit.trail import AuditTrail
from shared.identity.models import OrgId

log = logging.getLogger("autosre.journal")

INTERRUPTED = (
    "interrupted: Auto SRE stopped before this finished, and nobody was told it succeeded; "
    "check whether it took effect and run it again"
)


def request_ref(org: str, correlation_id: str) -> str:
    """How a command is named in the journal and in the task queue."""
    return f"{org}:{correlation_id}"


class JournaledAuditLog:
    """An AuditLog that notes each `requested` entry until its outcome is stored."""

    def __init__(self, inner: AuditLog, database: SqliteDatabase, *, lease: ProcessLease) -> None:
        self._inner = inner
        self._db = database
        self._lease = lease

    def head(self, stream: StreamKey) -> AuditRecord | None:
        """The stream's last entry."""
        return self._inner.head(stream)

    def put(self, record: AuditRecord) -> None:
        """Store `record`; a `requested` one is noted first, an outcome clears the note."""
        ref = request_ref(record.org, record.correlation_id)
        if record.outcome is not Outcome.REQUESTED:
            self._put_outcome(ref, record)
            return
        self._lease.start()
        with self._db.transaction() as db:  # before the entry: a crash between leaves a note
            db.execute(
                "INSERT OR REPLACE INTO open_requests (ref, owner, body) VALUES (?, ?, ?)",
                (ref, self._lease.token, record.model_dump_json()),
            )
        try:
            self._inner.put(record)
        except BaseException:
            with self._db.transaction() as db:
                db.execute("DELETE FROM open_requests WHERE ref = ?", (ref,))
            raise

    def _put_outcome(self, ref: str, record: AuditRecord) -> None:
        """Store an outcome and clear the note; if it cannot be stored, the note keeps it, so
        the entry written later says what really happened (its user was told so)."""
        try:
            self._inner.put(record)
        except BaseException:
            with self._db.transaction() as db:
                db.execute(
                    "UPDATE open_requests SET outcome = ? WHERE ref = ?",
                    (record.model_dump_json(), ref),
                )
            raise
        with self._db.transaction() as db:
            db.execute("DELETE FROM open_requests WHERE ref = ?", (ref,))

    def scan(
        self, stream: StreamKey, *, after: int = 0, upto: int | None = None
    ) -> Iterator[StoredEntry]:
        """Entries numbered above `after` (and at most `upto`), as stored."""
        return self._inner.scan(stream, after=after, upto=upto)

    def put_digest(self, digest: Digest) -> None:
        """Store a digest."""
        self._inner.put_digest(digest)

    def digests(self, stream: StreamKey) -> Sequence[Digest]:
        """The stream's digests."""
        return self._inner.digests(stream)

    def stored_digests(self, stream: StreamKey) -> Sequence[StoredDigest]:
        """The stream's digests as stored."""
        return self._inner.stored_digests(stream)

    def streams(self, org: OrgId) -> Sequence[StreamKey]:
        """The org's streams."""
        return self._inner.streams(org)

    def orgs(self) -> Sequence[OrgId]:
        """Every org with entries."""
        return self._inner.orgs()

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)  # whatever else the folder offers

    def settle(self, trail: AuditTrail, *, queued: Callable[[str], bool]) -> int:
        """Record the outcome of each request a dead process left without one in the trail: the
        one it could not store, if it kept it (written late), else `failed` (unless its task is
        still queued: that task will answer it); the number recorded."""
        settled = 0
        rows = self._db.query("SELECT ref, owner, body, outcome FROM open_requests")
        for ref, owner, body, outcome in rows:
            if self._lease.alive(str(owner)) or queued(str(ref)):
                continue
            with self._db.transaction() as db:  # one process settles each
                if not db.execute(
                    "DELETE FROM open_requests WHERE ref = ? AND owner = ?", (ref, owner)
                ).rowcount:
                    continue
            requested = AuditRecord.model_validate_json(str(body))
            try:
                if self._unanswered(requested):
                    kept = AuditRecord.model_validate_json(str(outcome)) if outcome else None
                    trail.append(_late(kept) if kept else _failed(requested))
                    settled += 1
            except Exception:  # an unreadable trail is for `sre audit verify` to name
                log.exception("could not settle %s: kept for the next process", ref)
                self._keep(ref, owner, body, outcome)  # the trail refused it: not lost
        if settled:
            log.warning("recorded the outcome of %d interrupted requests", settled)
        return settled

    def _keep(self, ref: object, owner: object, body: object, outcome: object) -> None:
        """Put back a note its settling could not write (the trail still refused it)."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO open_requests (ref, owner, body, outcome)"
                " VALUES (?, ?, ?, ?)",
                (ref, owner, body, outcome),
            )

    def _unanswered(self, requested: AuditRecord) -> bool:
        """Whether the entry was stored and no outcome follows it."""
        later = [decode(e.body) for e in self.scan(requested.stream, after=requested.seq - 1)]
        if not any(entry.id == requested.id for entry in later):
            return False  # the process died before the entry was written: nothing to settle
        return not any(
            entry.correlation_id == requested.correlation_id
            and entry.outcome is not Outcome.REQUESTED
            for entry in later
        )


def _failed(requested: AuditRecord) -> AuditDraft:
    return AuditDraft(
        id=str(uuid.uuid4()),
        time=datetime.now(UTC),
        org=requested.org,
        team=requested.team,
        actor=requested.actor,
        command=requested.command,
        target=requested.target,
        outcome=Outcome.FAILED,
        correlation_id=requested.correlation_id,
        details={**requested.details, "error": INTERRUPTED},
    )


def _late(outcome: AuditRecord) -> AuditDraft:
    """The outcome the trail refused when it happened, written now and saying so."""
    late = f"written late: the trail could not store it at {outcome.time.isoformat()}"
    return AuditDraft.model_validate(
        outcome.model_dump(include=set(AuditDraft.model_fields))
        | {"time": datetime.now(UTC), "details": {**outcome.details, "late": late}}
    )
