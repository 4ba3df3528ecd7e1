"""Run-once for retried deliveries on the embedded default, kept in the local SQLite file."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.replies import Reply

TTL_SECONDS = 3600


class SqliteDeliveryGuard:
    """The first delivery of a key runs; a retry gets its stored reply, or None while it runs."""

    def __init__(self, database: SqliteDatabase, *, ttl: float = TTL_SECONDS) -> None:
        self._db = database
        self._ttl = ttl

    def __call__(self, *, key: str, run: Callable[[], Reply]) -> Reply | None:
        if not self._claim(key):
            rows = self._db.query("SELECT reply FROM deliveries WHERE key = ?", key)
            stored = rows[0][0] if rows else None
            return Reply.model_validate_json(str(stored)) if stored else None
        try:
            reply = run()
        except BaseException:
            with self._db.transaction() as db:
                db.execute("DELETE FROM deliveries WHERE key = ?", (key,))
            raise
        with self._db.transaction() as db:
            db.execute(
                "UPDATE deliveries SET reply = ? WHERE key = ?", (reply.model_dump_json(), key)
            )
        return reply

    def _claim(self, key: str) -> bool:
        now = time.time()
        with self._db.transaction() as db:
            db.execute("DELETE FROM deliveries WHERE expires < ?", (now,))
            try:
                db.execute(
                    "INSERT INTO deliveries (key, reply, expires) VALUES (?, NULL, ?)",
                    (key, now + self._ttl),
                )
            except sqlite3.IntegrityError:
                return False
        return True
