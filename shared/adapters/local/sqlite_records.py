"""Short records by partition and name in the local SQLite file (Slack installations, OAuth
states): each change in one write transaction, so a swap or a take has one winner."""

from __future__ import annotations

from shared.adapters.local.sqlite_directory import SqliteDatabase

SCHEMA = """CREATE TABLE IF NOT EXISTS records (
    partition TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (partition, name))"""


class SqliteRecords:
    """Text values under (partition, name) in a `records` table."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            db.execute(SCHEMA)

    def get(self, partition: str, name: str) -> str | None:
        """The value stored under (partition, name), if any."""
        rows = self._db.query(
            "SELECT value FROM records WHERE partition = ? AND name = ?", partition, name
        )
        return str(rows[0][0]) if rows else None

    def put(self, partition: str, name: str, value: str) -> None:
        """Store `value`, replacing what was there."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO records (partition, name, value) VALUES (?, ?, ?)",
                (partition, name, value),
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
