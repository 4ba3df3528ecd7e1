"""One canary store of each kind for races: two handles on it (see tests/support/race_stores.py;
a claim of a target is one `TransactWriteItems` call, made one at a time on moto)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from shared.adapters.aws.dynamodb_canaries import DynamoDbCanaryStore
from shared.adapters.local.sqlite_canaries import SqliteCanaryStore
from shared.adapters.memory import InMemoryCanaryStore
from shared.canary.ports import CanaryStore
from tests.support.race_stores import KINDS, two_handles

__all__ = ["KINDS", "canary_store"]


def canary_store(
    kind: str, folder: Path
) -> AbstractContextManager[tuple[CanaryStore, CanaryStore]]:
    """Two handles on one new canary store of `kind`."""
    handles: AbstractContextManager[tuple[CanaryStore, CanaryStore]] = two_handles(
        kind,
        folder,
        memory=InMemoryCanaryStore,
        sqlite=SqliteCanaryStore,
        dynamodb=lambda table, client: DynamoDbCanaryStore(table=table, client=client),
        serialise="dynamodb",
        why="a transaction is atomic in DynamoDB",
    )
    return handles
