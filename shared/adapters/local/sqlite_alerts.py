"""Alert policies and silences on the embedded default, in the local SQLite file."""

from __future__ import annotations

from collections.abc import Sequence

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.alerts.models import AlertPolicy, Silence
from shared.errors import ConflictError, NotFoundError
from shared.identity.models import OrgId

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (org TEXT NOT NULL, team TEXT NOT NULL, name TEXT NOT NULL,
    body TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (org, team, name));
CREATE TABLE IF NOT EXISTS silences (org TEXT NOT NULL, id TEXT NOT NULL, team TEXT NOT NULL,
    starts_at TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (org, id))
"""


class SqliteAlertStore:
    """The AlertStore port on SQLite; a policy's version is checked inside the write."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            for statement in SCHEMA.strip().split(";"):
                db.execute(statement)

    def get(self, org: OrgId, team: str, name: str) -> AlertPolicy | None:
        rows = self._db.query(
            "SELECT body FROM alerts WHERE org = ? AND team = ? AND name = ?", org, team, name
        )
        return AlertPolicy.model_validate_json(str(rows[0][0])) if rows else None

    def save(self, policy: AlertPolicy) -> AlertPolicy:
        saved = policy.model_copy(update={"version": policy.version + 1})
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT version FROM alerts WHERE org = ? AND team = ? AND name = ?",
                (policy.org, policy.team, policy.name),
            ).fetchone()
            if (row[0] if row else 0) != policy.version:
                raise ConflictError(f"alert {policy.name} changed since it was read")
            db.execute(
                "INSERT OR REPLACE INTO alerts VALUES (?, ?, ?, ?, ?)",
                (saved.org, saved.team, saved.name, saved.model_dump_json(), saved.version),
            )
        return saved

    def delete(self, org: OrgId, team: str, name: str) -> None:
        with self._db.transaction() as db:
            gone = db.execute(
                "DELETE FROM alerts WHERE org = ? AND team = ? AND name = ?", (org, team, name)
            ).rowcount
        if not gone:
            raise NotFoundError(f"Team {team} has no alert `{name}`.")

    def list_for(self, org: OrgId, team: str) -> Sequence[AlertPolicy]:
        rows = self._db.query(
            "SELECT body FROM alerts WHERE org = ? AND team = ? ORDER BY name", org, team
        )
        return [AlertPolicy.model_validate_json(str(body)) for (body,) in rows]

    def every(self) -> Sequence[AlertPolicy]:
        rows = self._db.query("SELECT body FROM alerts")
        return [AlertPolicy.model_validate_json(str(body)) for (body,) in rows]

    def save_silence(self, silence: Silence) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO silences VALUES (?, ?, ?, ?, ?)",
                (
                    silence.org,
                    silence.id,
                    silence.team,
                    silence.starts_at.isoformat(),
                    silence.model_dump_json(),
                ),
            )

    def silences(self, org: OrgId, team: str) -> Sequence[Silence]:
        rows = self._db.query(
            "SELECT body FROM silences WHERE org = ? AND team = ? ORDER BY starts_at DESC",
            org,
            team,
        )
        return [Silence.model_validate_json(str(body)) for (body,) in rows]
