"""One contract for the CanaryStore port: memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_canaries import DynamoDbCanaryStore
from shared.adapters.local.sqlite_canaries import SqliteCanaryStore
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.memory import InMemoryCanaryStore
from shared.canary.models import Canary, CanaryState
from shared.canary.ports import CanaryStore
from shared.errors import ConflictError
from shared.identity.models import OrgId
from tests.support import NOW
from tests.support.aws import create_table
from tests.support.canaries import a_canary

ORG = OrgId("T1")


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CanaryStore]:
    if request.param == "memory":
        yield InMemoryCanaryStore()
    elif request.param == "sqlite":
        yield SqliteCanaryStore(SqliteDatabase(tmp_path / "autosre.db"))
    else:
        with mock_aws():
            yield DynamoDbCanaryStore(table=create_table(), client=boto3.client("dynamodb"))


def canary(id_: str, team: str = "payments", minutes: int = 0) -> Canary:
    """A canary of checkout-fn version 43 over 42, started `minutes` after NOW."""
    at = NOW + timedelta(minutes=minutes)
    return a_canary(
        id=id_,
        org=ORG,
        team=team,
        target="checkout-fn:live",
        stable="42",
        metrics=["errors", "p99_latency"],
        step_started_at=at,
        started_at=at,
    )


def test_canaries_are_stored_listed_and_only_live_ones_are_due(store: CanaryStore) -> None:
    first = store.save(canary("can-1"))
    store.save(canary("can-2", minutes=1))
    store.save(canary("can-3", team="search"))
    assert store.get(ORG, "can-1") == first
    assert [c.id for c in store.list_for(ORG, "payments")] == ["can-2", "can-1"]
    store.save(first.model_copy(update={"state": CanaryState.PROMOTED}))
    assert sorted(c.id for c in store.every()) == ["can-2", "can-3"]


def test_a_step_is_a_conditional_write(store: CanaryStore) -> None:
    read = store.save(canary("can-1"))
    store.save(read.model_copy(update={"step": 1}))
    with pytest.raises(ConflictError):
        store.save(read.model_copy(update={"step": 1}))
    with pytest.raises(ConflictError):
        store.save(canary("can-1"))
