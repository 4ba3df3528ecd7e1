"""Investigations on the embedded default, in the local SQLite file.

Each row keeps the investigation's status beside its body, so a team's open ones are found by a
partial index however old they are; a database made before the column existed gets it (filled
from the bodies) when the store starts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.investigations.models import Investigation, InvestigationStatus
from shared.investigations.ports import MAX_OPEN

SCHEMA = """
CREATE TABLE IF NOT EXISTS investigations (org TEXT NOT NULL, id TEXT NOT NULL, team TEXT NOT NULL,
    opened_at TEXT NOT NULL, body TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (org, id));
CREATE INDEX IF NOT EXISTS investigations_by_team ON investigations (org, team, opened_at);
"""
OPEN_INDEX = """
CREATE INDEX IF NOT EXISTS investigations_open ON investigations (org, team, opened_at)
    WHERE status = 'open'
"""
OPEN = InvestigationStatus.OPEN.value


class SqliteInvestigationStore:
    """The InvestigationStore port on SQLite."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            for statement in SCHEMA.strip().split(";"):
                if statement.strip():
                    db.execute(statement)
            _add_status(db)
            db.execute(OPEN_INDEX)

    def get(self, org: OrgId, investigation_id: str) -> Investigation | None:
        rows = self._db.query(
            "SELECT body FROM investigations WHERE org = ? AND id = ?", org, investigation_id
        )
        return Investigation.model_validate_json(str(rows[0][0])) if rows else None

    def save(self, investigation: Investigation) -> Investigation:
        saved = investigation.model_copy(update={"version": investigation.version + 1})
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT version FROM investigations WHERE org = ? AND id = ?",
                (investigation.org, investigation.id),
            ).fetchone()
            if (row[0] if row else 0) != investigation.version:
                raise ConflictError(f"investigation {investigation.id} changed since it was read")
            db.execute(
                "INSERT OR REPLACE INTO investigations"
                " (org, id, team, opened_at, body, version, status) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    saved.org,
                    saved.id,
                    saved.team,
                    saved.opened_at.isoformat(),
                    saved.model_dump_json(),
                    saved.version,
                    saved.status.value,
                ),
            )
        return saved

    def recent(self, org: OrgId, team: str, *, newest: int) -> Sequence[Investigation]:
        rows = self._db.query(
            "SELECT body FROM investigations WHERE org = ? AND team = ?"
            " ORDER BY opened_at DESC, id DESC LIMIT ?",
            org,
            team,
            newest,
        )
        return [Investigation.model_validate_json(str(body)) for (body,) in rows]

    def open_for(self, org: OrgId, team: str) -> Sequence[Investigation]:
        rows = self._db.query(
            "SELECT body FROM investigations WHERE org = ? AND team = ? AND status = ?"
            " ORDER BY opened_at DESC, id DESC LIMIT ?",
            org,
            team,
            OPEN,
            MAX_OPEN,
        )
        return [Investigation.model_validate_json(str(body)) for (body,) in rows]


def _add_status(db: sqlite3.Connection) -> None:
    """The status column, on a database made before it existed: added, and filled from each
    row's body (the investigations written before keep their status)."""
    columns = {str(row[1]) for row in db.execute("PRAGMA table_info(investigations)")}
    if "status" in columns:
        return
    db.execute("ALTER TABLE investigations ADD COLUMN status TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE investigations SET status = json_extract(body, '$.status')")
