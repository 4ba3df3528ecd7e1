"""The OwedEntries port on the local SQLite file: one row per owed entry, keyed by org and id,
read back by time, then in the order owed (rowid); claims in their own table, each taken in one
write-locked transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.audit.models import AuditDraft
from shared.audit.owed import LEASE, Claim, moment_text, owed_order
from shared.identity.models import OrgId

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_owed (
    org TEXT NOT NULL, id TEXT NOT NULL, time TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (org, id)
)
"""
CLAIMS = """
CREATE TABLE IF NOT EXISTS audit_owed_claims (
    org TEXT NOT NULL, id TEXT NOT NULL, until TEXT, seen INTEGER NOT NULL,
    PRIMARY KEY (org, id)
)
"""


class SqliteOwedEntries:
    """Owed audit entries in the local SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            db.execute(SCHEMA)
            db.execute(CLAIMS)

    def owe(self, draft: AuditDraft) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO audit_owed VALUES (?, ?, ?, ?)",
                (draft.org, draft.id, owed_order(draft), draft.model_dump_json()),
            )

    def owed(self, org: OrgId | None = None) -> Sequence[AuditDraft]:
        where, args = ("WHERE org = ?", (org,)) if org is not None else ("", ())
        rows = self._db.query(
            f"SELECT body FROM audit_owed {where} ORDER BY time, rowid",  # noqa: S608 (no input)
            *args,
        )
        return [AuditDraft.model_validate_json(str(row[0])) for row in rows]

    def claim(self, draft: AuditDraft, *, now: datetime, seen: int) -> Claim | None:
        key = (draft.org, draft.id)
        with self._db.transaction() as db:
            if (
                db.execute("SELECT 1 FROM audit_owed WHERE org = ? AND id = ?", key).fetchone()
                is None
            ):
                return None
            held = db.execute(
                "SELECT until, seen FROM audit_owed_claims WHERE org = ? AND id = ?", key
            ).fetchone()
            if held is not None and held[0] is not None and str(held[0]) > moment_text(now):
                return None
            first = None if held is None else int(held[1])
            db.execute(
                "INSERT OR REPLACE INTO audit_owed_claims VALUES (?, ?, ?, ?)",
                (*key, moment_text(now + LEASE), seen if first is None else first),
            )
        return Claim(seen=first)

    def release(self, draft: AuditDraft) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE audit_owed_claims SET until = NULL WHERE org = ? AND id = ?",
                (draft.org, draft.id),
            )

    def paid(self, draft: AuditDraft) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM audit_owed WHERE org = ? AND id = ?", (draft.org, draft.id))
            db.execute(
                "DELETE FROM audit_owed_claims WHERE org = ? AND id = ?", (draft.org, draft.id)
            )
