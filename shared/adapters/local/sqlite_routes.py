"""Alias weights of the embedded default's simulated releases, kept in the local SQLite file so
that a promotion outlives the `sre` process that made it."""

from __future__ import annotations

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.canary.routing import Route, promoted, rolled_back, shifted
from shared.errors import NotFoundError

SCHEMA = """
CREATE TABLE IF NOT EXISTS routes (target TEXT PRIMARY KEY, body TEXT NOT NULL)
"""


class SqliteTrafficRouter:
    """The TrafficRouter port on SQLite (the local simulation's): storage only, the rules are
    `shared.canary.routing`'s."""

    def __init__(self, database: SqliteDatabase, *, first: str | None = None) -> None:
        """`first`: the stable version of a target seen for the first time."""
        self._db = database
        self._first = first
        with database.transaction() as db:
            db.execute(SCHEMA)

    def route(self, target: str) -> Route:
        rows = self._db.query("SELECT body FROM routes WHERE target = ?", target)
        if rows:
            return Route.model_validate_json(str(rows[0][0]))
        if self._first is None:
            raise NotFoundError(f"There is no deployment target {target}.")
        return self._kept(Route(target=target, stable=self._first))

    def shift(self, target: str, *, canary: str, weight: float) -> Route:
        return self._kept(shifted(self.route(target), canary=canary, weight=weight))

    def promote(self, target: str, *, canary: str) -> Route:
        return self._kept(promoted(self.route(target), canary=canary))

    def rollback(self, target: str, *, canary: str) -> Route:
        return self._kept(rolled_back(self.route(target), canary=canary))

    def _kept(self, route: Route) -> Route:
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO routes VALUES (?, ?)",
                (route.target, route.model_dump_json()),
            )
        return route
