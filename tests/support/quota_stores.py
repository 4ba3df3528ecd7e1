"""One quota store of each kind for races: two handles on it (each racer uses one of them).

moto checks an `UpdateItem` condition and writes in two steps, so under threads it lets a sixth
racer through (measured: 6 of 5) where DynamoDB, atomic per item, does not: the moto client
serialises `UpdateItem` calls as DynamoDB does (tests/integration/test_quota_race.py proves the
adapter itself has no read-then-write gap). SQLite's handles are two connections to the file, so
only its `BEGIN IMMEDIATE` (not the process's lock) keeps them apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
from moto import mock_aws

from shared.adapters.aws.dynamodb_quotas import DynamoDbQuotas
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_quotas import SqliteQuotas
from shared.adapters.memory_quotas import InMemoryQuotas
from shared.quotas.ports import Quotas
from tests.support.aws import create_table, serialised

KINDS = ("memory", "sqlite", "dynamodb")
"""Every Quotas adapter, by the name a parametrised fixture gives it."""


@contextmanager
def quota_store(kind: str, folder: Path) -> Iterator[tuple[Quotas, Quotas]]:
    """Two handles on one new store of `kind` (its SQLite file in `folder`; DynamoDB on moto,
    one mock for every thread, so they share its backend)."""
    if kind == "memory":
        shared = InMemoryQuotas()
        yield shared, shared
    elif kind == "sqlite":
        path = folder / "autosre.db"
        yield SqliteQuotas(SqliteDatabase(path)), SqliteQuotas(SqliteDatabase(path))
    else:
        with mock_aws():
            table = create_table()
            client = serialised(
                boto3.client("dynamodb"), "dynamodb.UpdateItem", "DynamoDB is atomic per item"
            )
            yield (
                DynamoDbQuotas(table=table, client=client),
                DynamoDbQuotas(table=table, client=client),
            )
