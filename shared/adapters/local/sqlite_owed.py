"""The OwedEntries port on the local SQLite file: one row per owed entry, keyed by org and id,
read back by time, then in the order owed."""

from __future__ import annotations

from collections.abc import Sequence

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.audit.models import AuditDraft
from shared.audit.owed import owed_order
from shared.identity.models import OrgId

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_owed (
    org TEXT NOT NULL, id TEXT NOT NULL, time TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (org, id)
)
"""


class SqliteOwedEntries:
    """Owed audit entries in the local SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            db.execute(SCHEMA)

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

    def paid(self, draft: AuditDraft) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM audit_owed WHERE org = ? AND id = ?", (draft.org, draft.id))
