"""One store of each kind for races: two handles on it (each racer uses one of them).

moto checks a condition and writes in two steps (and deep-copies tables other threads change),
so under threads it lets through what DynamoDB, atomic per item and per transaction, does not:
the moto client serialises the calls named as DynamoDB serialises conflicting writes. SQLite's
handles are two connections to the file, so only its `BEGIN IMMEDIATE` (not the process's lock)
keeps them apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import boto3
from moto import mock_aws

from shared.adapters.local.sqlite_directory import SqliteDatabase
from tests.support.aws import create_table, serialised

KINDS = ("memory", "sqlite", "dynamodb")
"""Every adapter of a store, by the name a parametrised fixture gives it."""

S = TypeVar("S")


@contextmanager
def two_handles(
    kind: str,
    folder: Path,
    *,
    memory: Callable[[], S],
    sqlite: Callable[[SqliteDatabase], S],
    dynamodb: Callable[[str, Any], S],
    serialise: str,
    why: str,
) -> Iterator[tuple[S, S]]:
    """Two handles on one new store of `kind`: the memory store shared; two SQLite connections
    to one file in `folder`; DynamoDB on moto, one mock for every thread (so they share its
    backend), its `serialise` calls made one at a time (`why`: what DynamoDB guarantees)."""
    if kind == "memory":
        shared = memory()
        yield shared, shared
    elif kind == "sqlite":
        path = folder / "autosre.db"
        yield sqlite(SqliteDatabase(path)), sqlite(SqliteDatabase(path))
    else:
        with mock_aws():
            table = create_table()
            client = serialised(boto3.client("dynamodb"), serialise, why)
            yield dynamodb(table, client), dynamodb(table, client)
