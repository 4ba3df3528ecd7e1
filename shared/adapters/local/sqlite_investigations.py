"""Investigations on the embedded default, in the local SQLite file.

A partial index on the status inside each row's body finds a team's open ones however old they
are: no column is added, so a database made by an earlier release keeps working with it, and it
with that release (which inserts its six columns by position). The teams an investigation was
escalated to are rows of their own (`investigation_asks`, written in the save's transaction), so a
team finds what it was asked to help with by an index; the table is filled from the bodies once,
when it is made. An escalation saved by an earlier release (rolled back to) is found once this
one saves that investigation again.
"""

from __future__ import annotations

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
ASKS = """
CREATE TABLE investigation_asks (org TEXT NOT NULL, team TEXT NOT NULL, opened_at TEXT NOT NULL,
    id TEXT NOT NULL, PRIMARY KEY (org, team, opened_at, id));
INSERT OR IGNORE INTO investigation_asks (org, team, opened_at, id)
    SELECT i.org, asked.value, i.opened_at, i.id
    FROM investigations AS i, json_each(i.body, '$.shared_with') AS asked
"""
IS_OPEN = f"json_extract(body, '$.status') = '{InvestigationStatus.OPEN.value}'"
"""The open index's condition, and the open read's word for word (SQLite uses a partial index
only for a query that has its terms)."""
OPEN_INDEX = f"""
CREATE INDEX IF NOT EXISTS investigations_open_by_body ON investigations (org, team, opened_at)
    WHERE {IS_OPEN}
"""


class SqliteInvestigationStore:
    """The InvestigationStore port on SQLite."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            for statement in SCHEMA.strip().split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(OPEN_INDEX)
            made = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'investigation_asks'"
            ).fetchone()
            if made is None:  # made now, from what the bodies say (once)
                for statement in ASKS.strip().split(";"):
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
                "INSERT OR REPLACE INTO investigations"
                " (org, id, team, opened_at, body, version) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    saved.org,
                    saved.id,
                    saved.team,
                    saved.opened_at.isoformat(),
                    saved.model_dump_json(),
                    saved.version,
                ),
            )
            db.executemany(
                "INSERT OR IGNORE INTO investigation_asks (org, team, opened_at, id)"
                " VALUES (?, ?, ?, ?)",
                [(saved.org, t, saved.opened_at.isoformat(), saved.id) for t in saved.shared_with],
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
            f"SELECT body FROM investigations WHERE org = ? AND team = ? AND {IS_OPEN}"  # noqa: S608
            " ORDER BY opened_at DESC, id DESC LIMIT ?",
            org,
            team,
            MAX_OPEN,
        )
        return [Investigation.model_validate_json(str(body)) for (body,) in rows]

    def asked_of(self, org: OrgId, team: str, *, newest: int) -> Sequence[Investigation]:
        rows = self._db.query(
            "SELECT i.body FROM investigation_asks AS a"
            " JOIN investigations AS i ON i.org = a.org AND i.id = a.id"
            " WHERE a.org = ? AND a.team = ? ORDER BY a.opened_at DESC, a.id DESC LIMIT ?",
            org,
            team,
            newest,
        )
        return [Investigation.model_validate_json(str(body)) for (body,) in rows]
