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
    Fault,
    Injection,
    LeverState,
    RollbackAttempt,
    VerifiedResilience,
)
from shared.chaos.ports import ChaosStore
from shared.chaos.schedules import GameDay, Window
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.telemetry.models import ResourceKind
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


def verified(experiment_id: str, expect: str, *, days: int = 0) -> VerifiedResilience:
    """checkout-api's resilience to `error` under `expect`, verified `days` after NOW."""
    at = NOW + timedelta(days=days)
    return VerifiedResilience(
        org=ORG,
        team="payments",
        service="checkout-api",
        fault=Fault.parse("error"),
        expectations=[expect],
        percent=25,
        at=at,
        expires_at=at + timedelta(days=30),
        experiment=experiment_id,
    )


def test_verified_resilience_is_one_per_hypothesis_newest_first(store: ChaosStore) -> None:
    store.keep_verified(verified("chx-1", "error_rate < 1%"))
    store.keep_verified(verified("chx-2", "error_rate < 5%", days=1))
    # a newer run of the same hypothesis replaces the older result
    newer = verified("chx-3", "error_rate < 1%", days=2)
    store.keep_verified(newer)
    assert [r.experiment for r in store.verified(ORG, "payments")] == ["chx-3", "chx-2"]
    assert store.verified(ORG, "search") == []
    revoked = newer.model_copy(update={"revoked_at": NOW, "revoked_by": "chx-4"})
    store.keep_verified(revoked)
    assert store.verified(ORG, "payments")[0] == revoked


def game_day(id_: str, team: str = "payments", days: int = 0) -> GameDay:
    """A weekly game day of `error` on checkout-api, scheduled `days` after NOW."""
    return GameDay(
        id=id_,
        org=ORG,
        team=team,
        service="checkout-api",
        kind=ResourceKind.SAMPLE,
        fault=Fault.parse("error"),
        percents=[1, 5],
        step_duration=timedelta(minutes=10),
        expectations=["error_rate < 1%"],
        valid_for=timedelta(days=30),
        every=timedelta(days=7),
        window=Window.parse("Tue 10:00-12:00"),
        created_by="oli",
        created_at=NOW + timedelta(days=days),
    )


def test_game_days_are_kept_versioned_listed_and_removed(store: ChaosStore) -> None:
    first = store.save_game_day(game_day("chs-1"))
    store.save_game_day(game_day("chs-2", days=1))
    store.save_game_day(game_day("chs-3", team="search"))
    assert [g.id for g in store.game_days(ORG, "payments")] == ["chs-2", "chs-1"]
    assert sorted(g.id for g in store.every_game_day()) == ["chs-1", "chs-2", "chs-3"]
    taken = store.save_game_day(first.model_copy(update={"started_window": NOW}))
    assert store.game_days(ORG, "payments")[1] == taken
    with pytest.raises(ConflictError):  # a second tick that read it before cannot start it again
        store.save_game_day(first.model_copy(update={"started_window": NOW}))
    assert store.remove_game_day(ORG, "chs-1") is True
    assert store.remove_game_day(ORG, "chs-1") is False
    assert [g.id for g in store.game_days(ORG, "payments")] == ["chs-2"]


def test_the_orgs_halt_record_is_kept_per_org(store: ChaosStore) -> None:
    # GIVEN nothing kept THEN it is not engaged
    assert not store.halt_record(ORG).engaged
    # WHEN an org's halt is kept THEN it comes back as written, for that org only
    halted = LeverState(engaged=True, by="root", at=NOW, reason="`sre chaos halt --all` by @root")
    store.keep_halt_record(ORG, halted)
    assert store.halt_record(ORG) == halted
    assert not store.halt_record(OrgId("T2")).engaged
    # AND a release replaces it
    store.keep_halt_record(ORG, LeverState(engaged=False, by="root", at=NOW))
    assert not store.halt_record(ORG).engaged
