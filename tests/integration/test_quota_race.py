"""20 threads racing for the last 5 units of a quota get exactly 5, on every store.

The stores are those of tests/support/quota_stores.py (its docstring says why moto's client is
serialised); a deterministic interleaving proves the DynamoDB adapter itself has no
read-then-write gap (another writer between its decision and its write is caught by the
condition).
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
from shared.identity.models import OrgId
from shared.quotas.models import Limit, Refused, Taken
from shared.quotas.ports import Quotas
from tests.support.aws import create_table
from tests.support.quota_stores import KINDS, quota_store

ORG = OrgId("slack:T1")
AT = datetime(2026, 11, 30, 15, 25, tzinfo=UTC)
DAY = Limit.INVESTIGATIONS_PER_DAY


@pytest.fixture(params=KINDS)
def racers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Quotas, Quotas]]:
    """Two handles on one store (each racer uses one of them)."""
    with quota_store(request.param, tmp_path) as handles:
        yield handles


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
