"""Prompt variants and the feedback on their narratives on the embedded default, in the local
SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.errors import ConflictError
from shared.identity.models import OrgId
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
