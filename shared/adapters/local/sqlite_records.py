"""Short records by partition and name in the local SQLite file (Slack installations, OAuth
states): each change in one write transaction, so a swap or a take has one winner; a value
stored with an expiry is deleted by a later sweep."""

from __future__ import annotations

import time

from shared.adapters.local.sqlite_directory import SqliteDatabase

SCHEMA = """CREATE TABLE IF NOT EXISTS records (
    partition TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, expires REAL,
    PRIMARY KEY (partition, name))"""
SWEEP_SECONDS = 60.0
"""How often a store deletes expired values (at most): one DELETE for all of them, not one per
request."""


class SqliteRecords:
    """Text values under (partition, name) in a `records` table."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        self._swept = 0.0
        with database.transaction() as db:
            db.execute(SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(records)")}
            if "expires" not in columns:  # a file written before values could expire
                db.execute("ALTER TABLE records ADD COLUMN expires REAL")

    def get(self, partition: str, name: str) -> str | None:
        """The value stored under (partition, name), if any."""
        rows = self._db.query(
            "SELECT value FROM records WHERE partition = ? AND name = ?", partition, name
        )
        return str(rows[0][0]) if rows else None

    def put(self, partition: str, name: str, value: str, *, expires: float | None = None) -> None:
        """Store `value`, replacing what was there; deleted by a sweep after `expires` (epoch
        seconds), if given. Storing an expiring value sweeps, at most once a minute."""
        now = time.time()
        with self._db.transaction() as db:
            if expires is not None and now - self._swept >= SWEEP_SECONDS:
                self._swept = now
                db.execute("DELETE FROM records WHERE expires <= ?", (now,))
            db.execute(
                "INSERT OR REPLACE INTO records (partition, name, value, expires)"
                " VALUES (?, ?, ?, ?)",
                (partition, name, value, expires),
            )

    def swap(self, partition: str, name: str, expected: str | None, value: str) -> bool:
        """Store `value` only if the stored one is still `expected` (None: nothing stored)."""
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT value FROM records WHERE partition = ? AND name = ?", (partition, name)
            ).fetchone()
            if (row[0] if row else None) != expected:
                return False
            db.execute(
                "INSERT OR REPLACE INTO records (partition, name, value) VALUES (?, ?, ?)",
                (partition, name, value),
            )
            return True

    def take(self, partition: str, name: str) -> str | None:
        """Remove and return the value: of two takers, only one gets it."""
        with self._db.transaction() as db:
            row = db.execute(
                "DELETE FROM records WHERE partition = ? AND name = ? RETURNING value",
                (partition, name),
            ).fetchone()
            return str(row[0]) if row else None

    def clear(self, partition: str, prefix: str = "") -> None:
        """Remove every value of the partition whose name starts with `prefix`."""
        with self._db.transaction() as db:
            db.execute(
                "DELETE FROM records WHERE partition = ? AND substr(name, 1, ?) = ?",
                (partition, len(prefix), prefix),
            )
