"""One quota store of each kind for races: two handles on it (see tests/support/race_stores.py;
moto let a sixth racer through an `UpdateItem` condition, measured 6 of 5, so those calls are
made one at a time: tests/integration/test_quota_race.py proves the adapter itself has no
read-then-write gap)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from shared.adapters.aws.dynamodb_quotas import DynamoDbQuotas
from shared.adapters.local.sqlite_quotas import SqliteQuotas
from shared.adapters.memory_quotas import InMemoryQuotas
from shared.quotas.ports import Quotas
from tests.support.race_stores import KINDS, two_handles

__all__ = ["KINDS", "quota_store"]


def quota_store(kind: str, folder: Path) -> AbstractContextManager[tuple[Quotas, Quotas]]:
    """Two handles on one new quota store of `kind`."""
    handles: AbstractContextManager[tuple[Quotas, Quotas]] = two_handles(
        kind,
        folder,
        memory=InMemoryQuotas,
        sqlite=SqliteQuotas,
        dynamodb=lambda table, client: DynamoDbQuotas(table=table, client=client),
        serialise="dynamodb.UpdateItem",
        why="DynamoDB is atomic per item",
    )
    return handles
