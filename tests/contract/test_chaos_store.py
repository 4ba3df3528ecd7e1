"""One contract for the ChaosStore port: memory, SQLite and DynamoDB (moto). One experiment at a
time holds a service in its org: its first record claims it atomically (of racing starts, one is
recorded), the write that ends it gives it back."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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
from shared.chaos.ports import ChaosStore, ServiceTakenError
from shared.chaos.schedules import GameDay, Window
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.telemetry.models import ResourceKind
from tests.support import NOW
from tests.support.aws import create_table
from tests.support.chaos import an_experiment
from tests.support.chaos_stores import KINDS, chaos_store

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


@pytest.fixture(params=KINDS)
def racers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ChaosStore, ...]]:
    """Two handles on one store (each racer uses one of them)."""
    with chaos_store(request.param, tmp_path) as handles:
        yield handles


def experiment(id_: str, team: str = "payments", minutes: int = 0) -> Experiment:
    """An experiment on checkout-api started `minutes` after NOW."""
    at = NOW + timedelta(minutes=minutes)
    return an_experiment(id=id_, org=ORG, team=team, step_started_at=at, started_at=at)


CHECKOUT = "aws-lambda:checkout-fn"


def on(id_: str, key: str = CHECKOUT, org: OrgId = ORG) -> Experiment:
    """A new experiment holding the service `key` of `org` once recorded."""
    return an_experiment(id=id_, org=org, service_key=key)


def ended(experiment: Experiment) -> Experiment:
    """`experiment` (as stored) ended, halted."""
    changes = {"state": ExperimentState.ENDED, "outcome": ExperimentOutcome.HALTED}
    return experiment.model_copy(update=changes)


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


def test_a_service_is_held_by_one_experiment_from_its_record_to_its_end(store: ChaosStore) -> None:
    # GIVEN chx-1 recorded on checkout-fn, then saved again at its next step
    first = store.save(on("chx-1"))
    first = store.save(first.model_copy(update={"state": ExperimentState.RUNNING}))
    # WHEN another experiment of the org is first recorded on the same service
    with pytest.raises(ServiceTakenError) as taken:
        store.save(on("chx-2"))
    # THEN it is refused, naming the holder, and nothing of it is stored
    assert taken.value.holder.id == "chx-1"
    assert str(taken.value) == "chx-1 is already running at 1% (step 1/3) on checkout-api."
    assert store.get(ORG, "chx-2") is None
    # AND another service, another org's same service, one recorded before claims: each goes
    store.save(on("chx-3", key="aws-lambda:orders-fn"))
    store.save(on("chx-4", org=OrgId("T2")))
    store.save(experiment("chx-5"))
    # WHEN chx-1 ends THEN the service is free: the next experiment on it is recorded
    store.save(ended(first))
    assert store.save(on("chx-2")).version == 1


def test_an_ended_experiment_saved_again_never_frees_the_next_holders_claim(
    store: ChaosStore,
) -> None:
    # GIVEN chx-1 ended, and chx-2 holding the service since
    first = store.save(ended(store.save(on("chx-1"))))
    store.save(on("chx-2"))
    # WHEN chx-1 is reopened (a late injection landed) and ends again
    reopened = store.save(first.model_copy(update={"state": ExperimentState.ROLLING_BACK}))
    assert store.save(ended(reopened)).over
    # THEN chx-2 still holds the service
    with pytest.raises(ServiceTakenError, match="chx-2 is already"):
        store.save(on("chx-3"))


def test_of_ten_experiments_racing_for_one_service_one_is_recorded(
    racers: tuple[ChaosStore, ChaosStore],
) -> None:
    # GIVEN ten starts on checkout-fn, each recording its experiment at the same moment
    def record(n: int) -> bool:
        try:
            racers[n % 2].save(on(f"chx-{n}"))
        except ServiceTakenError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=10) as pool:
        won = list(pool.map(record, range(10)))
    # THEN exactly one is recorded, and it is the one every other was refused for
    assert won.count(True) == 1
    assert [x.id for x in racers[0].every()] == [f"chx-{won.index(True)}"]
