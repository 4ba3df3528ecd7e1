"""Chaos experiments on the embedded default, in the local SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.chaos.models import Experiment, ExperimentState, LeverState, VerifiedResilience
from shared.chaos.ports import ServiceTakenError
from shared.chaos.schedules import GameDay
from shared.errors import ConflictError
from shared.identity.models import OrgId

SCHEMA = """
CREATE TABLE IF NOT EXISTS chaos_experiments (org TEXT NOT NULL, id TEXT NOT NULL,
    team TEXT NOT NULL, started_at TEXT NOT NULL, ended INTEGER NOT NULL, body TEXT NOT NULL,
    version INTEGER NOT NULL, PRIMARY KEY (org, id))
"""
GAME_DAYS = """
CREATE TABLE IF NOT EXISTS chaos_game_days (org TEXT NOT NULL, id TEXT NOT NULL,
    team TEXT NOT NULL, created_at TEXT NOT NULL, body TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (org, id))
"""
VERIFIED = """
CREATE TABLE IF NOT EXISTS chaos_verified (org TEXT NOT NULL, team TEXT NOT NULL,
    key TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (org, team, key))
"""
HALTS = """
CREATE TABLE IF NOT EXISTS chaos_halts (org TEXT NOT NULL PRIMARY KEY, body TEXT NOT NULL)
"""
CLAIMS = """
CREATE TABLE IF NOT EXISTS chaos_claims (org TEXT NOT NULL, key TEXT NOT NULL,
    experiment TEXT NOT NULL, PRIMARY KEY (org, key))
"""


class SqliteChaosStore:
    """The ChaosStore port on SQLite; the version is checked, and the service claimed or
    released, inside the write's transaction."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            db.execute(SCHEMA)
            db.execute(VERIFIED)
            db.execute(GAME_DAYS)
            db.execute(HALTS)
            db.execute(CLAIMS)

    def halt_record(self, org: OrgId) -> LeverState:
        rows = self._db.query("SELECT body FROM chaos_halts WHERE org = ?", org)
        return (
            LeverState.model_validate_json(str(rows[0][0])) if rows else LeverState(engaged=False)
        )

    def keep_halt_record(self, org: OrgId, state: LeverState) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO chaos_halts VALUES (?, ?)", (org, state.model_dump_json())
            )

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
            if experiment.version == 0 and experiment.service_key and not experiment.over:
                _claim(db, experiment)
            elif experiment.over:
                db.execute(
                    "DELETE FROM chaos_claims WHERE org = ? AND key = ? AND experiment = ?",
                    (experiment.org, experiment.service_key, experiment.id),
                )
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

    def save_game_day(self, game_day: GameDay) -> GameDay:
        saved = game_day.model_copy(update={"version": game_day.version + 1})
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT version FROM chaos_game_days WHERE org = ? AND id = ?",
                (game_day.org, game_day.id),
            ).fetchone()
            if (row[0] if row else 0) != game_day.version:
                raise ConflictError(f"game day {game_day.id} changed since it was read")
            db.execute(
                "INSERT OR REPLACE INTO chaos_game_days VALUES (?, ?, ?, ?, ?, ?)",
                (
                    saved.org,
                    saved.id,
                    saved.team,
                    saved.created_at.isoformat(),
                    saved.model_dump_json(),
                    saved.version,
                ),
            )
        return saved

    def game_days(self, org: OrgId, team: str) -> Sequence[GameDay]:
        rows = self._db.query(
            "SELECT body FROM chaos_game_days WHERE org = ? AND team = ? ORDER BY created_at DESC",
            org,
            team,
        )
        return [GameDay.model_validate_json(str(body)) for (body,) in rows]

    def every_game_day(self) -> Sequence[GameDay]:
        rows = self._db.query("SELECT body FROM chaos_game_days")
        return [GameDay.model_validate_json(str(body)) for (body,) in rows]

    def remove_game_day(self, org: OrgId, game_day_id: str) -> bool:
        with self._db.transaction() as db:
            gone = db.execute(
                "DELETE FROM chaos_game_days WHERE org = ? AND id = ?", (org, game_day_id)
            )
            return bool(gone.rowcount)


def _claim(db: sqlite3.Connection, experiment: Experiment) -> None:
    """Its service held by it, inside the write's transaction; ServiceTakenError while another
    experiment holds it."""
    key = (experiment.org, experiment.service_key)
    holder = db.execute(
        "SELECT body FROM chaos_experiments JOIN chaos_claims ON chaos_claims.org = "
        "chaos_experiments.org AND chaos_claims.experiment = chaos_experiments.id "
        "WHERE chaos_claims.org = ? AND chaos_claims.key = ?",
        key,
    ).fetchone()
    if holder is not None:
        raise ServiceTakenError(Experiment.model_validate_json(str(holder[0])))
    db.execute("INSERT OR REPLACE INTO chaos_claims VALUES (?, ?, ?)", (*key, experiment.id))
