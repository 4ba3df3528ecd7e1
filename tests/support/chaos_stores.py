"""One chaos store of each kind for races: two handles on it (see tests/support/race_stores.py;
a claim of a service is one `TransactWriteItems` call, made one at a time on moto)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from shared.adapters.aws.dynamodb_chaos import DynamoDbChaosStore
from shared.adapters.local.sqlite_chaos import SqliteChaosStore
from shared.adapters.memory import InMemoryChaosStore
from shared.chaos.ports import ChaosStore
from tests.support.race_stores import KINDS, two_handles

__all__ = ["KINDS", "chaos_store"]


def chaos_store(kind: str, folder: Path) -> AbstractContextManager[tuple[ChaosStore, ChaosStore]]:
    """Two handles on one new chaos store of `kind`."""
    handles: AbstractContextManager[tuple[ChaosStore, ChaosStore]] = two_handles(
        kind,
        folder,
        memory=InMemoryChaosStore,
        sqlite=SqliteChaosStore,
        dynamodb=lambda table, client: DynamoDbChaosStore(table=table, client=client),
        serialise="dynamodb",
        why="a transaction is atomic in DynamoDB",
    )
    return handles
