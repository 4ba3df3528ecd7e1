"""Run-once for retried deliveries on the embedded default, kept in the local SQLite file."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_lease import ProcessLease
from shared.replies import Reply

TTL_SECONDS = 3600
"""How long a delivery's reply is kept for its retries, from its first arrival."""
SWEEP_SECONDS = 60.0
"""How often expired deliveries are removed: in batches, never on every request."""
SWEEP_BATCH = 2000


class SqliteDeliveryGuard:
    """The first delivery of a key runs; a retry gets its stored reply, or None while it runs.

    A claim whose process died (or whose reply expired) is taken over by the next delivery.
    """

    def __init__(
        self,
        database: SqliteDatabase,
        *,
        lease: ProcessLease | None = None,
        ttl: float = TTL_SECONDS,
    ) -> None:
        self._db = database
        self._lease = lease or ProcessLease(database)
        self._ttl = ttl
        self._next_sweep = 0.0
        self._sweep_lock = threading.Lock()

    def __call__(self, *, key: str, run: Callable[[], Reply]) -> Reply | None:
        self._lease.start()
        self._sweep()
        if not self._claim(key):
            rows = self._db.query("SELECT reply FROM deliveries WHERE key = ?", key)
            stored = rows[0][0] if rows else None
            return Reply.model_validate_json(str(stored)) if stored else None
        try:
            reply = run()
        except BaseException:
            with self._db.transaction() as db:
                db.execute(
                    "DELETE FROM deliveries WHERE key = ? AND owner = ?", (key, self._lease.token)
                )
            raise
        with self._db.transaction() as db:
            db.execute(
                "UPDATE deliveries SET reply = ? WHERE key = ?", (reply.model_dump_json(), key)
            )
        return reply

    def _claim(self, key: str) -> bool:
        now = time.time()
        with self._db.transaction() as db:
            claimed = db.execute(
                "INSERT INTO deliveries (key, reply, expires, owner) VALUES (?, NULL, ?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                (key, now + self._ttl, self._lease.token),
            ).rowcount
            if claimed:
                return True
            reply, expires, owner = db.execute(
                "SELECT reply, expires, owner FROM deliveries WHERE key = ?", (key,)
            ).fetchone()
        if float(expires) >= now and (reply is not None or self._lease.alive(str(owner))):
            return False
        return self._take_over(key, (owner, expires), now)

    def _take_over(self, key: str, seen: tuple[object, object], now: float) -> bool:
        """The previous claim expired or its process died: claim it, unless another took it."""
        with self._db.transaction() as db:
            taken = db.execute(
                "UPDATE deliveries SET reply = NULL, expires = ?, owner = ? "
                "WHERE key = ? AND owner IS ? AND expires = ?",
                (now + self._ttl, self._lease.token, key, *seen),
            ).rowcount
        return bool(taken)

    def _sweep(self) -> None:
        """Remove one batch of expired deliveries, at most once a minute per process."""
        now = time.time()
        with self._sweep_lock:
            if now < self._next_sweep:
                return
            self._next_sweep = now + SWEEP_SECONDS
        with self._db.transaction() as db:
            db.execute(
                "DELETE FROM deliveries WHERE key IN "
                "(SELECT key FROM deliveries WHERE expires < ? LIMIT ?)",
                (now, SWEEP_BATCH),
            )
