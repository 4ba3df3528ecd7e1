"""Chaos experiments on the embedded default, in the local SQLite file."""

from __future__ import annotations

from collections.abc import Sequence

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.chaos.models import Experiment, ExperimentState, VerifiedResilience
from shared.errors import ConflictError
from shared.identity.models import OrgId

SCHEMA = """
CREATE TABLE IF NOT EXISTS chaos_experiments (org TEXT NOT NULL, id TEXT NOT NULL,
    team TEXT NOT NULL, started_at TEXT NOT NULL, ended INTEGER NOT NULL, body TEXT NOT NULL,
    version INTEGER NOT NULL, PRIMARY KEY (org, id))
"""
VERIFIED = """
CREATE TABLE IF NOT EXISTS chaos_verified (org TEXT NOT NULL, team TEXT NOT NULL,
    key TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (org, team, key))
"""


class SqliteChaosStore:
    """The ChaosStore port on SQLite; the version is checked inside the write."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            db.execute(SCHEMA)
            db.execute(VERIFIED)

    def get(self, org: OrgId, experiment_id: str) -> Experiment | None:
        rows = self._db.query(
            "SELECT body FROM chaos_experiments WHERE org = ? AND id = ?", org, experiment_id
        )
        return Experiment.model_validate_json(str(rows[0][0])) if rows else None

    def save(self, experiment: Experiment) -> Experiment:
        saved = experiment.model_copy(update={"version": experiment.version + 1})
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT version FROM chaos_experiments WHERE org = ? AND id = ?",
                (experiment.org, experiment.id),
            ).fetchone()
            if (row[0] if row else 0) != experiment.version:
                raise ConflictError(f"experiment {experiment.id} changed since it was read")
            db.execute(
                "INSERT OR REPLACE INTO chaos_experiments VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    saved.org,
                    saved.id,
                    saved.team,
                    saved.started_at.isoformat(),
                    int(saved.state is ExperimentState.ENDED),
                    saved.model_dump_json(),
                    saved.version,
                ),
            )
        return saved

    def list_for(self, org: OrgId, team: str) -> Sequence[Experiment]:
        rows = self._db.query(
            "SELECT body FROM chaos_experiments WHERE org = ? AND team = ? "
            "ORDER BY started_at DESC",
            org,
            team,
        )
        return [Experiment.model_validate_json(str(body)) for (body,) in rows]

    def every(self) -> Sequence[Experiment]:
        rows = self._db.query("SELECT body FROM chaos_experiments WHERE ended = 0")
        return [Experiment.model_validate_json(str(body)) for (body,) in rows]

    def keep_verified(self, result: VerifiedResilience) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO chaos_verified VALUES (?, ?, ?, ?, ?)",
                (
                    result.org,
                    result.team,
                    result.key,
                    result.at.isoformat(),
                    result.model_dump_json(),
                ),
            )

    def verified(self, org: OrgId, team: str) -> Sequence[VerifiedResilience]:
        rows = self._db.query(
            "SELECT body FROM chaos_verified WHERE org = ? AND team = ? ORDER BY at DESC", org, team
        )
        return [VerifiedResilience.model_validate_json(str(body)) for (body,) in rows]
