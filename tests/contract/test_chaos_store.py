"""One contract for the ChaosStore port: memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_chaos import DynamoDbChaosStore
from shared.adapters.local.sqlite_chaos import SqliteChaosStore
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.memory import InMemoryChaosStore
from shared.chaos.models import (
    ChaosStep,
    Experiment,
    ExperimentOutcome,
    ExperimentState,
    Injection,
    RollbackAttempt,
)
from shared.chaos.ports import ChaosStore
from shared.errors import ConflictError
from shared.identity.models import OrgId
from tests.support import NOW
from tests.support.aws import create_table
from tests.support.chaos import an_experiment

ORG = OrgId("T1")


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChaosStore]:
    if request.param == "memory":
        yield InMemoryChaosStore()
    elif request.param == "sqlite":
        yield SqliteChaosStore(SqliteDatabase(tmp_path / "autosre.db"))
    else:
        with mock_aws():
            yield DynamoDbChaosStore(table=create_table(), client=boto3.client("dynamodb"))


def experiment(id_: str, team: str = "payments", minutes: int = 0) -> Experiment:
    """An experiment on checkout-api started `minutes` after NOW."""
    at = NOW + timedelta(minutes=minutes)
    return an_experiment(id=id_, org=ORG, team=team, step_started_at=at, started_at=at)


def test_experiments_are_stored_listed_and_only_unended_ones_are_live(store: ChaosStore) -> None:
    first = store.save(experiment("chx-1"))
    store.save(experiment("chx-2", minutes=1))
    store.save(experiment("chx-3", team="search"))
    assert store.get(ORG, "chx-1") == first
    assert store.get(ORG, "chx-9") is None
    assert [x.id for x in store.list_for(ORG, "payments")] == ["chx-2", "chx-1"]
    ended = {"state": ExperimentState.ENDED, "outcome": ExperimentOutcome.HELD}
    store.save(first.model_copy(update=ended))
    assert sorted(x.id for x in store.every()) == ["chx-2", "chx-3"]


def test_a_change_is_a_conditional_write(store: ChaosStore) -> None:
    read = store.save(experiment("chx-1"))
    store.save(read.model_copy(update={"step": 1}))
    with pytest.raises(ConflictError):
        store.save(read.model_copy(update={"step": 1}))
    with pytest.raises(ConflictError):
        store.save(experiment("chx-1"))


def test_history_injections_and_rollbacks_come_back_as_written(store: ChaosStore) -> None:
    full = experiment("chx-1").model_copy(
        update={
            "state": ExperimentState.ROLLING_BACK,
            "outcome": ExperimentOutcome.FAILED,
            "history": [ChaosStep(at=NOW, percent=1, what="injected", by="oli")],
            "injections": [Injection(key="chx-1-0", percent=1, handle="h-1", at=NOW)],
            "rollbacks": [RollbackAttempt(at=NOW, key="chx-1-0", verified=False, error="x")],
        }
    )
    saved = store.save(full)
    assert store.get(ORG, "chx-1") == saved
    assert [x.id for x in store.every()] == ["chx-1"]
