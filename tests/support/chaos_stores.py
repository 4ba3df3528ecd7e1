"""One chaos store of each kind for races: two handles on it (each racer uses one of them).

moto checks a `TransactWriteItems` condition and writes in two steps, and deep-copies tables
other threads change, so under threads it lets two claims of one service through where
DynamoDB, whose transactions are atomic, does not: the moto client serialises DynamoDB calls
as DynamoDB serialises conflicting transactions. SQLite's handles are two connections to the
file, so only its `BEGIN IMMEDIATE` (not the process's lock) keeps them apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
from moto import mock_aws

from shared.adapters.aws.dynamodb_chaos import DynamoDbChaosStore
from shared.adapters.local.sqlite_chaos import SqliteChaosStore
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.memory import InMemoryChaosStore
from shared.chaos.ports import ChaosStore
from tests.support.aws import create_table, serialised

KINDS = ("memory", "sqlite", "dynamodb")
"""Every ChaosStore adapter, by the name a parametrised fixture gives it."""


@contextmanager
def chaos_store(kind: str, folder: Path) -> Iterator[tuple[ChaosStore, ChaosStore]]:
    """Two handles on one new store of `kind` (its SQLite file in `folder`; DynamoDB on moto,
    one mock for every thread, so they share its backend)."""
    if kind == "memory":
        shared = InMemoryChaosStore()
        yield shared, shared
    elif kind == "sqlite":
        path = folder / "autosre.db"
        yield SqliteChaosStore(SqliteDatabase(path)), SqliteChaosStore(SqliteDatabase(path))
    else:
        with mock_aws():
            table = create_table()
            client = serialised(
                boto3.client("dynamodb"), "dynamodb", "a transaction is atomic in DynamoDB"
            )
            yield (
                DynamoDbChaosStore(table=table, client=client),
                DynamoDbChaosStore(table=table, client=client),
            )
