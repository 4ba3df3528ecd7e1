"""Canaries on the embedded default, in the local SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.canary.models import Canary
from shared.canary.ports import TargetTakenError
from shared.errors import ConflictError
from shared.identity.models import OrgId

SCHEMA = """
CREATE TABLE IF NOT EXISTS canaries (org TEXT NOT NULL, id TEXT NOT NULL, team TEXT NOT NULL,
    started_at TEXT NOT NULL, over INTEGER NOT NULL, body TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (org, id))
"""
CLAIMS = """
CREATE TABLE IF NOT EXISTS canary_claims (org TEXT NOT NULL, target TEXT NOT NULL,
    canary TEXT NOT NULL, PRIMARY KEY (org, target))
"""


class SqliteCanaryStore:
    """The CanaryStore port on SQLite; the version is checked, and the target claimed or
    released, inside the write's transaction."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            db.execute(SCHEMA)
            db.execute(CLAIMS)

    def get(self, org: OrgId, canary_id: str) -> Canary | None:
        rows = self._db.query("SELECT body FROM canaries WHERE org = ? AND id = ?", org, canary_id)
        return Canary.model_validate_json(str(rows[0][0])) if rows else None

    def save(self, canary: Canary) -> Canary:
        saved = canary.model_copy(update={"version": canary.version + 1})
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT version FROM canaries WHERE org = ? AND id = ?", (canary.org, canary.id)
            ).fetchone()
            if (row[0] if row else 0) != canary.version:
                raise ConflictError(f"canary {canary.id} changed since it was read")
            if canary.version == 0 and not canary.state.over:
                _claim(db, canary)
            elif canary.state.over:
                db.execute(
                    "DELETE FROM canary_claims WHERE org = ? AND target = ? AND canary = ?",
                    (canary.org, canary.target, canary.id),
                )
            db.execute(
                "INSERT OR REPLACE INTO canaries VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    saved.org,
                    saved.id,
                    saved.team,
                    saved.started_at.isoformat(),
                    int(saved.state.over),
                    saved.model_dump_json(),
                    saved.version,
                ),
            )
        return saved

    def list_for(self, org: OrgId, team: str) -> Sequence[Canary]:
        rows = self._db.query(
            "SELECT body FROM canaries WHERE org = ? AND team = ? ORDER BY started_at DESC",
            org,
            team,
        )
        return [Canary.model_validate_json(str(body)) for (body,) in rows]

    def every(self) -> Sequence[Canary]:
        rows = self._db.query("SELECT body FROM canaries WHERE over = 0")
        return [Canary.model_validate_json(str(body)) for (body,) in rows]


def _claim(db: sqlite3.Connection, canary: Canary) -> None:
    """Its target held by it, inside the write's transaction; TargetTakenError while another
    canary holds it."""
    key = (canary.org, canary.target)
    holder = db.execute(
        "SELECT body FROM canaries JOIN canary_claims ON canary_claims.org = canaries.org "
        "AND canary_claims.canary = canaries.id "
        "WHERE canary_claims.org = ? AND canary_claims.target = ?",
        key,
    ).fetchone()
    if holder is not None:
        raise TargetTakenError(Canary.model_validate_json(str(holder[0])))
    db.execute("INSERT OR REPLACE INTO canary_claims VALUES (?, ?, ?)", (*key, canary.id))
