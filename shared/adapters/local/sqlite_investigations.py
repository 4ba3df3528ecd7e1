"""Investigations on the embedded default, in the local SQLite file."""

from __future__ import annotations

from collections.abc import Sequence

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.investigations.models import Investigation

SCHEMA = """
CREATE TABLE IF NOT EXISTS investigations (org TEXT NOT NULL, id TEXT NOT NULL, team TEXT NOT NULL,
    opened_at TEXT NOT NULL, body TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (org, id));
CREATE INDEX IF NOT EXISTS investigations_by_team ON investigations (org, team, opened_at);
"""


class SqliteInvestigationStore:
    """The InvestigationStore port on SQLite."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            for statement in SCHEMA.strip().split(";"):
                if statement.strip():
                    db.execute(statement)

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
                "INSERT OR REPLACE INTO investigations VALUES (?, ?, ?, ?, ?, ?)",
                (
                    saved.org,
                    saved.id,
                    saved.team,
                    saved.opened_at.isoformat(),
                    saved.model_dump_json(),
                    saved.version,
                ),
            )
        return saved

    def list_for(self, org: OrgId, team: str) -> Sequence[Investigation]:
        rows = self._db.query(
            "SELECT body FROM investigations WHERE org = ? AND team = ? ORDER BY opened_at DESC",
            org,
            team,
        )
        return [Investigation.model_validate_json(str(body)) for (body,) in rows]
