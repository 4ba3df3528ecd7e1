"""The Quotas port on the local SQLite file: each take reads and adds in one immediate
(write-locked) transaction, so racing threads and processes never pass a cap together."""

from __future__ import annotations

from datetime import datetime

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.quotas.models import Cap, Limit, QuotaBook, Refused, Taken, Window, counted, room

SCHEMA = """
CREATE TABLE IF NOT EXISTS quota_counts (
    org TEXT NOT NULL, team TEXT NOT NULL, quota TEXT NOT NULL, period TEXT NOT NULL,
    used INTEGER NOT NULL, PRIMARY KEY (org, team, quota, period)
);
CREATE TABLE IF NOT EXISTS quota_told (
    org TEXT NOT NULL, team TEXT NOT NULL, quota TEXT NOT NULL, period TEXT NOT NULL,
    PRIMARY KEY (org, team, quota, period)
);
CREATE TABLE IF NOT EXISTS quota_books (
    org TEXT PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL
);
"""
_PAST = "DELETE FROM quota_counts WHERE org = ? AND team = ? AND quota = ? AND period < ?"
_USED = "SELECT used FROM quota_counts WHERE org = ? AND team = ? AND quota = ? AND period = ?"


class SqliteQuotas:
    """Counters and books in the local SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            for statement in _statements():  # executescript would commit mid-transaction
                db.execute(statement)

    def take(
        self, org: OrgId, team: str, limit: Limit, amount: int, *, at: datetime, cap: Cap
    ) -> Taken | Refused:
        key = (org, team, limit.value, limit.window.key(at))
        most = room(cap, amount)
        with self._db.transaction() as db:
            row = db.execute(_USED, key).fetchone()
            used = int(row[0]) if row else 0
            if most is not None and used > most:
                return counted(limit, used, cap, taken=False, at=at)
            db.execute(
                "INSERT OR REPLACE INTO quota_counts VALUES (?, ?, ?, ?, ?)", (*key, used + amount)
            )
            if limit.window is not Window.RUNNING:  # past windows are never read again
                db.execute(_PAST, key)
        return counted(limit, used + amount, cap, taken=True, at=at)

    def give_back(self, org: OrgId, team: str, limit: Limit, amount: int, *, at: datetime) -> None:
        key = (org, team, limit.value, limit.window.key(at))
        with self._db.transaction() as db:
            db.execute(
                "UPDATE quota_counts SET used = MAX(0, used - ?)"
                " WHERE org = ? AND team = ? AND quota = ? AND period = ?",
                (amount, *key),
            )

    def used(self, org: OrgId, team: str, limit: Limit, *, at: datetime) -> int:
        rows = self._db.query(_USED, org, team, limit.value, limit.window.key(at))
        return int(str(rows[0][0])) if rows else 0

    def tell_once(self, org: OrgId, team: str, limit: Limit, *, at: datetime) -> bool:
        key = (org, team, limit.value, limit.window.key(at))
        with self._db.transaction() as db:
            added = db.execute("INSERT OR IGNORE INTO quota_told VALUES (?, ?, ?, ?)", key)
            first = added.rowcount == 1
            if first and limit.window is not Window.RUNNING:  # past windows are never read
                db.execute(
                    "DELETE FROM quota_told WHERE org = ? AND team = ? AND quota = ?"
                    " AND period < ?",
                    key,
                )
        return first

    def book(self, org: OrgId) -> QuotaBook:
        rows = self._db.query("SELECT body FROM quota_books WHERE org = ?", org)
        return QuotaBook.model_validate_json(str(rows[0][0])) if rows else QuotaBook(org=org)

    def save_book(self, book: QuotaBook) -> QuotaBook:
        saved = book.model_copy(update={"version": book.version + 1})
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT version FROM quota_books WHERE org = ?", (book.org,)
            ).fetchone()
            if (row[0] if row else 0) != book.version:
                raise ConflictError(f"the quotas of {book.org} changed since they were read")
            db.execute(
                "INSERT OR REPLACE INTO quota_books VALUES (?, ?, ?)",
                (book.org, saved.model_dump_json(), saved.version),
            )
        return saved


def _statements() -> list[str]:
    return [s for s in SCHEMA.split(";") if s.strip()]
