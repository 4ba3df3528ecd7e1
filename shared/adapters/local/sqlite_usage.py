"""The UsageLedger port on the local SQLite file: one row per (org, month, team, kind), added to
by one upsert (atomic), kept after its month."""

from __future__ import annotations

from datetime import datetime

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.identity.models import OrgId
from shared.quotas.usage import UsageKind, UsageLine, month_of

SCHEMA = """
CREATE TABLE IF NOT EXISTS usage_months (
    org TEXT NOT NULL, month TEXT NOT NULL, team TEXT NOT NULL, kind TEXT NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (org, month, team, kind)
)
"""
SUMMARIES = """
CREATE TABLE IF NOT EXISTS usage_summaries (
    org TEXT NOT NULL, month TEXT NOT NULL, PRIMARY KEY (org, month)
)
"""
_ADD = (
    "INSERT INTO usage_months VALUES (?, ?, ?, ?, MAX(0, ?))"
    " ON CONFLICT (org, month, team, kind) DO UPDATE SET count = MAX(0, count + ?)"
)


class SqliteUsageLedger:
    """Monthly counts in the local SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            db.execute(SCHEMA)
            db.execute(SUMMARIES)

    def add(self, org: OrgId, team: str, kind: UsageKind, amount: int, *, at: datetime) -> None:
        with self._db.transaction() as db:
            db.execute(_ADD, (org, month_of(at), team, kind.value, amount, amount))

    def month(self, org: OrgId, month: str) -> list[UsageLine]:
        rows = self._db.query(
            "SELECT team, kind, count FROM usage_months WHERE org = ? AND month = ?"
            " ORDER BY team, kind",
            org,
            month,
        )
        return [
            UsageLine(team=str(team), month=month, kind=UsageKind(str(kind)), count=int(str(n)))
            for team, kind, n in rows
        ]

    def claim_summary(self, org: OrgId, month: str) -> bool:
        with self._db.transaction() as db:
            added = db.execute("INSERT OR IGNORE INTO usage_summaries VALUES (?, ?)", (org, month))
            return added.rowcount == 1

    def release_summary(self, org: OrgId, month: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM usage_summaries WHERE org = ? AND month = ?", (org, month))
