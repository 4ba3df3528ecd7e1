"""20 threads racing for the last 5 units of a quota get exactly 5, on every store.

moto checks an `UpdateItem` condition and writes in two steps, so under threads it lets a sixth
racer through (measured: 6 of 5) where DynamoDB, atomic per item, does not: the moto race
serialises `UpdateItem` calls as DynamoDB does, and a deterministic interleaving proves the
adapter itself has no read-then-write gap (another writer between its decision and its write is
caught by the condition). SQLite's racers use two connections to the file, so only its
`BEGIN IMMEDIATE` (not the process's lock) keeps them apart.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_quotas import DynamoDbQuotas
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_quotas import SqliteQuotas
from shared.adapters.memory_quotas import InMemoryQuotas
from shared.identity.models import OrgId
from shared.quotas.models import Limit, Refused, Taken
from shared.quotas.ports import Quotas
from tests.support.aws import create_table, serialised

ORG = OrgId("slack:T1")
AT = datetime(2026, 11, 30, 15, 25, tzinfo=UTC)
DAY = Limit.INVESTIGATIONS_PER_DAY


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def racers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Quotas, Quotas]]:
    """Two handles on one store (each racer uses one of them)."""
    if request.param == "memory":
        shared = InMemoryQuotas()
        yield shared, shared
    elif request.param == "sqlite":
        path = tmp_path / "autosre.db"
        yield SqliteQuotas(SqliteDatabase(path)), SqliteQuotas(SqliteDatabase(path))
    else:
        with mock_aws():  # one mock for every thread: they share its backend
            table = create_table()
            client = serialised(
                boto3.client("dynamodb"), "dynamodb.UpdateItem", "DynamoDB is atomic per item"
            )
            yield (
                DynamoDbQuotas(table=table, client=client),
                DynamoDbQuotas(table=table, client=client),
            )


def test_twenty_racers_for_the_last_five_units_get_exactly_five(
    racers: tuple[Quotas, Quotas],
) -> None:
    quotas = racers[0]
    quotas.take(ORG, "payments", DAY, 95, at=AT, cap=100)
    start = threading.Barrier(20)

    def race(n: int) -> bool:
        start.wait()
        mine = racers[n % 2]
        return isinstance(mine.take(ORG, "payments", DAY, 1, at=AT, cap=100), Taken)

    with ThreadPoolExecutor(max_workers=20) as pool:
        won = sum(pool.map(race, range(20)))
    assert won == 5
    assert quotas.used(ORG, "payments", DAY, at=AT) == 100


def test_a_writer_between_a_takers_decision_and_its_write_is_caught_by_the_condition() -> None:
    with mock_aws():
        table = create_table()
        slow, fast = boto3.client("dynamodb"), boto3.client("dynamodb")
        first = DynamoDbQuotas(table=table, client=slow)
        other = DynamoDbQuotas(table=table, client=fast)
        first.take(ORG, "payments", DAY, 99, at=AT, cap=100)
        cut_in: list[bool] = []

        def before_the_write(**_: object) -> None:
            if not cut_in:  # another function takes the last unit just before this write
                cut_in.append(
                    isinstance(other.take(ORG, "payments", DAY, 1, at=AT, cap=100), Taken)
                )

        slow.meta.events.register("before-call.dynamodb.UpdateItem", before_the_write)
        late = first.take(ORG, "payments", DAY, 1, at=AT, cap=100)
        assert cut_in == [True]
        assert late == Refused(
            limit=DAY, used=100, cap=100, resets=datetime(2026, 12, 1, tzinfo=UTC)
        )
        assert first.used(ORG, "payments", DAY, at=AT) == 100
