"""One contract for the CanaryStore port: memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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
from shared.canary.ports import CanaryStore, TargetTakenError
from shared.errors import ConflictError
from shared.identity.models import OrgId
from tests.support import NOW
from tests.support.aws import create_table
from tests.support.canaries import a_canary
from tests.support.canary_stores import KINDS, canary_store

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


@pytest.fixture(params=KINDS)
def racers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[CanaryStore, ...]]:
    """Two handles on one store (each racer uses one of them)."""
    with canary_store(request.param, tmp_path) as handles:
        yield handles


def canary(
    id_: str, team: str = "payments", minutes: int = 0, *, target: str | None = None
) -> Canary:
    """A canary of version 43 over 42 started `minutes` after NOW, on `target` (by default a
    function of its own: a target takes one canary at a time)."""
    at = NOW + timedelta(minutes=minutes)
    return a_canary(
        id=id_,
        org=ORG,
        team=team,
        target=target or f"{id_}-fn:live",
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


CHECKOUT = "checkout-fn:live"


def test_a_target_takes_one_canary_until_it_is_over(store: CanaryStore) -> None:
    # GIVEN can-1 running on checkout-fn:live
    first = store.save(canary("can-1", target=CHECKOUT))
    # WHEN another canary of the org is recorded on it
    with pytest.raises(TargetTakenError) as taken:
        store.save(canary("can-2", target=CHECKOUT))
    # THEN it is refused, naming the holder, and nothing of it is stored
    assert taken.value.holder.id == "can-1"
    assert store.get(ORG, "can-2") is None
    # AND another org's canary on its own copy of the name goes
    other = canary("can-3", target=CHECKOUT).model_copy(update={"org": OrgId("T2")})
    store.save(other)
    # WHEN can-1 is rolled back THEN the target is free: the next canary on it is recorded
    store.save(first.model_copy(update={"state": CanaryState.ROLLED_BACK}))
    assert store.save(canary("can-2", target=CHECKOUT)).version == 1


def test_a_canary_over_saved_again_never_frees_the_next_holders_claim(
    store: CanaryStore,
) -> None:
    # GIVEN can-1 promoted, and can-2 holding the target since
    first = store.save(canary("can-1", target=CHECKOUT))
    first = store.save(first.model_copy(update={"state": CanaryState.PROMOTED}))
    store.save(canary("can-2", target=CHECKOUT))
    # WHEN can-1 is saved again, still over
    store.save(first)
    # THEN can-2 still holds the target
    with pytest.raises(TargetTakenError, match="can-2 is already"):
        store.save(canary("can-4", target=CHECKOUT))


def test_of_ten_canaries_racing_for_one_target_one_is_recorded(
    racers: tuple[CanaryStore, CanaryStore],
) -> None:
    # GIVEN ten starts on checkout-fn:live, each recording its canary at the same moment
    def record(n: int) -> bool:
        try:
            racers[n % 2].save(canary(f"can-{n}", target=CHECKOUT))
        except TargetTakenError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=10) as pool:
        won = list(pool.map(record, range(10)))
    # THEN exactly one is recorded, and it is the one every other was refused for
    assert won.count(True) == 1
    assert [c.id for c in racers[0].every()] == [f"can-{won.index(True)}"]
