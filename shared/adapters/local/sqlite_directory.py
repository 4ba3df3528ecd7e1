"""The embedded default's state: orgs, teams and bindings in one SQLite file under AUTOSRE_HOME."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from shared.audit.models import HeadMark
from shared.errors import ConflictError, NotFoundError
from shared.identity.models import ChannelBinding, ChannelId, Org, OrgId, Team

SCHEMA = """
CREATE TABLE IF NOT EXISTS orgs (org TEXT PRIMARY KEY, body TEXT NOT NULL,
    version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS teams (org TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL,
    version INTEGER NOT NULL, PRIMARY KEY (org, name));
CREATE TABLE IF NOT EXISTS bindings (org TEXT NOT NULL, channel TEXT NOT NULL, team TEXT NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (org, channel));
CREATE TABLE IF NOT EXISTS audit_heads (org TEXT NOT NULL, team TEXT NOT NULL,
    seq INTEGER NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (org, team));
CREATE TABLE IF NOT EXISTS deliveries (key TEXT PRIMARY KEY, reply TEXT, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS resource_holders (resource TEXT PRIMARY KEY, org TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_by_expiry ON deliveries (expires);
CREATE TABLE IF NOT EXISTS owners (token TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL,
    beat REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL,
    surface TEXT NOT NULL, ref TEXT NOT NULL, body TEXT NOT NULL, started REAL,
    attempts INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS tasks_by_owner ON tasks (owner, started);
CREATE INDEX IF NOT EXISTS tasks_by_ref ON tasks (ref);
CREATE TABLE IF NOT EXISTS open_requests (ref TEXT PRIMARY KEY, owner TEXT NOT NULL,
    body TEXT NOT NULL);
"""
_RECORDED = "#claims-recorded"
"""The row saying the services registered before claims existed were claimed (no resource key
starts with `#`)."""
COLUMNS = (("deliveries", "owner", "TEXT"), ("open_requests", "outcome", "TEXT"))
"""Columns added after a table was first made: added to older files when they are opened."""


class SqliteDatabase:
    """One SQLite file shared by the local adapters; safe across threads and processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.Lock()
        self._readers = threading.local()
        self._connection = self._connect()
        self._connection.execute("PRAGMA journal_mode=WAL")
        # a commit survives a killed process without an fsync (it would cost ~9 ms, under the
        # one lock, twice per Slack request); a power cut may lose the last commits
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.executescript(SCHEMA)
        self._add_columns()

    def _add_columns(self) -> None:
        with self.transaction() as db:
            for table, column, kind in COLUMNS:
                names = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in names:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An immediate (write-locked) transaction, committed unless the block raises."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def query(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        """Rows of a read, on this thread's own connection: reads never queue behind the one
        writer's lock (WAL lets them run beside a write; each sees the last commit)."""
        reader: sqlite3.Connection | None = getattr(self._readers, "connection", None)
        if reader is None:
            reader = self._readers.connection = self._connect()
        return reader.execute(sql, args).fetchall()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(
            self._path, timeout=30, isolation_level=None, check_same_thread=False
        )


class SqliteDirectory:
    """The Directory port on SQLite, with versions checked inside write transactions."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    def get_org(self, org: OrgId) -> Org | None:
        rows = self._db.query("SELECT body FROM orgs WHERE org = ?", org)
        return Org.model_validate_json(str(rows[0][0])) if rows else None

    def save_org(self, org: Org) -> Org:
        saved = org.model_copy(update={"version": org.version + 1})
        with self._db.transaction() as db:
            row = db.execute("SELECT version FROM orgs WHERE org = ?", (org.id,)).fetchone()
            if (row[0] if row else 0) != org.version:
                raise ConflictError(f"org {org.id} changed since it was read")
            db.execute(
                "INSERT OR REPLACE INTO orgs (org, body, version) VALUES (?, ?, ?)",
                (org.id, saved.model_dump_json(), saved.version),
            )
        return saved

    def get_team(self, org: OrgId, name: str) -> Team | None:
        rows = self._db.query("SELECT body FROM teams WHERE org = ? AND name = ?", org, name)
        return Team.model_validate_json(str(rows[0][0])) if rows else None

    def list_teams(self, org: OrgId) -> Sequence[Team]:
        rows = self._db.query("SELECT body FROM teams WHERE org = ? ORDER BY name", org)
        return [Team.model_validate_json(str(body)) for (body,) in rows]

    def save_team(self, team: Team) -> Team:
        saved = team.model_copy(update={"version": team.version + 1})
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT version FROM teams WHERE org = ? AND name = ?", (team.org, team.name)
            ).fetchone()
            if (row[0] if row else 0) != team.version:
                raise ConflictError(f"team {team.name} changed since it was read")
            db.execute(
                "INSERT OR REPLACE INTO teams (org, name, body, version) VALUES (?, ?, ?, ?)",
                (team.org, team.name, saved.model_dump_json(), saved.version),
            )
        return saved

    def get_binding(self, org: OrgId, channel: ChannelId) -> ChannelBinding | None:
        rows = self._db.query(
            "SELECT body FROM bindings WHERE org = ? AND channel = ?", org, channel
        )
        return ChannelBinding.model_validate_json(str(rows[0][0])) if rows else None

    def list_bindings(self, org: OrgId) -> Sequence[ChannelBinding]:
        rows = self._db.query("SELECT body FROM bindings WHERE org = ? ORDER BY channel", org)
        return [ChannelBinding.model_validate_json(str(body)) for (body,) in rows]

    def bind(self, binding: ChannelBinding) -> None:
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT team FROM bindings WHERE org = ? AND channel = ?",
                (binding.org, binding.channel),
            ).fetchone()
            if row and row[0] != binding.team:
                raise ConflictError(
                    f"#{binding.channel} is bound to team {row[0]}; unbind it there first.",
                    channels=[binding.channel],
                )
            db.execute(
                "INSERT OR REPLACE INTO bindings (org, channel, team, body) VALUES (?, ?, ?, ?)",
                (binding.org, binding.channel, binding.team, binding.model_dump_json()),
            )

    def unbind(self, org: OrgId, channel: ChannelId) -> None:
        with self._db.transaction() as db:
            deleted = db.execute(
                "DELETE FROM bindings WHERE org = ? AND channel = ?", (org, channel)
            ).rowcount
        if not deleted:
            raise NotFoundError(f"#{channel} is not bound to a team.", channels=[channel])

    def resource_holder(self, resource: str) -> OrgId | None:
        rows = self._db.query("SELECT org FROM resource_holders WHERE resource = ?", resource)
        return OrgId(str(rows[0][0])) if rows else None

    def claim_resource(self, resource: str, org: OrgId) -> OrgId:
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO resource_holders (resource, org) VALUES (?, ?)",
                (resource, org),
            )
            row = db.execute(
                "SELECT org FROM resource_holders WHERE resource = ?", (resource,)
            ).fetchone()
        return OrgId(str(row[0]))

    def claims_recorded(self) -> bool:
        return bool(self._db.query("SELECT 1 FROM resource_holders WHERE resource = ?", _RECORDED))

    def mark_claims_recorded(self) -> None:
        self.claim_resource(_RECORDED, OrgId(""))

    def every_team(self) -> Iterator[Team]:
        rows = self._db.query("SELECT body FROM teams ORDER BY org, name")
        return (Team.model_validate_json(str(body)) for (body,) in rows)

    def mark_head(self, mark: HeadMark) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO audit_heads (org, team, seq, hash) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (org, team) DO UPDATE SET seq = excluded.seq, hash = excluded.hash"
                " WHERE excluded.seq > audit_heads.seq",
                (mark.org, mark.team, mark.seq, mark.hash),
            )

    def head_marks(self, org: OrgId) -> Sequence[HeadMark]:
        rows = self._db.query(
            "SELECT team, seq, hash FROM audit_heads WHERE org = ? ORDER BY team", org
        )
        return [
            HeadMark(org=org, team=str(team), seq=int(str(seq)), hash=str(digest))
            for team, seq, digest in rows
        ]
