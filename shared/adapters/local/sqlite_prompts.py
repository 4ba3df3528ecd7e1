"""Prompt variants and the feedback on their narratives on the embedded default, in the local
SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.prompts.experiments import Experiment
from shared.prompts.models import Feedback, Variant

VARIANTS = """
CREATE TABLE IF NOT EXISTS prompt_variants (org TEXT NOT NULL, name TEXT NOT NULL,
    version INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (org, name, version))
"""
FEEDBACK = """
CREATE TABLE IF NOT EXISTS prompt_feedback (org TEXT NOT NULL, investigation TEXT NOT NULL,
    by_user TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (org, investigation, by_user))
"""
EXPERIMENTS = """
CREATE TABLE IF NOT EXISTS prompt_experiments (org TEXT NOT NULL, id TEXT NOT NULL,
    started_at TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (org, id))
"""
SCOPES = """
CREATE TABLE IF NOT EXISTS prompt_experiment_scopes (org TEXT NOT NULL, scope TEXT NOT NULL,
    holder TEXT NOT NULL, PRIMARY KEY (org, scope))
"""


class SqliteVariantStore:
    """The VariantStore port on SQLite; a version is added once (its primary key)."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            db.execute(VARIANTS)

    def add(self, variant: Variant) -> None:
        try:
            with self._db.transaction() as db:
                db.execute(
                    "INSERT INTO prompt_variants VALUES (?, ?, ?, ?)",
                    (variant.org, variant.name, variant.version, variant.model_dump_json()),
                )
        except sqlite3.IntegrityError as error:
            raise ConflictError(f"{variant.name} v{variant.version} exists already") from error

    def retire(self, variant: Variant) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE prompt_variants SET body = ? WHERE org = ? AND name = ? AND version = ?",
                (variant.model_dump_json(), variant.org, variant.name, variant.version),
            )

    def list_for(self, org: OrgId) -> Sequence[Variant]:
        rows = self._db.query(
            "SELECT body FROM prompt_variants WHERE org = ? ORDER BY name, version", org
        )
        return [Variant.model_validate_json(str(body)) for (body,) in rows]


class SqliteFeedbackStore:
    """The FeedbackStore port on SQLite; one row per person per investigation."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            db.execute(FEEDBACK)

    def add(self, feedback: Feedback) -> Feedback | None:
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT body FROM prompt_feedback WHERE org = ? AND investigation = ? "
                "AND by_user = ?",
                (feedback.org, feedback.investigation_id, feedback.by),
            ).fetchone()
            if row:
                return Feedback.model_validate_json(str(row[0]))
            db.execute(
                "INSERT INTO prompt_feedback VALUES (?, ?, ?, ?, ?)",
                (
                    feedback.org,
                    feedback.investigation_id,
                    feedback.by,
                    feedback.at.isoformat(),
                    feedback.model_dump_json(),
                ),
            )
        return None

    def for_investigation(self, org: OrgId, investigation_id: str) -> Sequence[Feedback]:
        rows = self._db.query(
            "SELECT body FROM prompt_feedback WHERE org = ? AND investigation = ? ORDER BY at",
            org,
            investigation_id,
        )
        return [Feedback.model_validate_json(str(body)) for (body,) in rows]

    def list_for(self, org: OrgId) -> Sequence[Feedback]:
        rows = self._db.query("SELECT body FROM prompt_feedback WHERE org = ? ORDER BY at", org)
        return [Feedback.model_validate_json(str(body)) for (body,) in rows]


class SqliteExperimentStore:
    """The ExperimentStore port on SQLite; each save checks the version it read, and each
    scope's live experiment is a row of `prompt_experiment_scopes`, claimed and freed in the
    same transaction as the save."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            db.execute(EXPERIMENTS)
            db.execute(SCOPES)

    def save(self, experiment: Experiment) -> Experiment:
        saved = experiment.model_copy(update={"version": experiment.version + 1})
        row = (saved.version, saved.model_dump_json(), saved.org, saved.id, experiment.version)
        with self._db.transaction() as db:
            if experiment.version == 0:
                done = db.execute(
                    "INSERT OR IGNORE INTO prompt_experiments VALUES (?, ?, ?, ?, ?)",
                    (saved.org, saved.id, saved.started_at.isoformat(), 1, row[1]),
                )
            else:
                done = db.execute(
                    "UPDATE prompt_experiments SET version = ?, body = ? "
                    "WHERE org = ? AND id = ? AND version = ?",
                    row,
                )
            if done.rowcount != 1:
                raise ConflictError(f"prompt experiment {experiment.id} was changed meanwhile")
            self._hold(db, experiment)
        return saved

    @staticmethod
    def _hold(db: sqlite3.Connection, experiment: Experiment) -> None:
        """A new live experiment's claim on its scope (ConflictError, the transaction undone,
        when another holds it), or an ended one's freed."""
        key = (experiment.org, experiment.scope, experiment.id)
        if experiment.live and experiment.version == 0:
            done = db.execute(
                "INSERT OR IGNORE INTO prompt_experiment_scopes VALUES (?, ?, ?)", key
            )
            if done.rowcount != 1:
                raise ConflictError(f"a prompt experiment runs already ({experiment.scope})")
        elif not experiment.live:
            db.execute(
                "DELETE FROM prompt_experiment_scopes WHERE org = ? AND scope = ? AND holder = ?",
                key,
            )

    def get(self, org: OrgId, experiment_id: str) -> Experiment | None:
        rows = self._db.query(
            "SELECT body FROM prompt_experiments WHERE org = ? AND id = ?", org, experiment_id
        )
        return Experiment.model_validate_json(str(rows[0][0])) if rows else None

    def list_for(self, org: OrgId) -> Sequence[Experiment]:
        rows = self._db.query(
            "SELECT body FROM prompt_experiments WHERE org = ? ORDER BY started_at DESC", org
        )
        return [Experiment.model_validate_json(str(body)) for (body,) in rows]
