"""One contract for the ExperimentStore port: memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_prompts import DynamoDbExperimentStore
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_prompts import SqliteExperimentStore
from shared.adapters.memory import InMemoryExperimentStore
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.prompts.experiments import Arm, Experiment, ExperimentState
from shared.prompts.gate import GateRuns
from shared.prompts.models import control
from shared.prompts.ports import ExperimentStore
from tests.support import NOW
from tests.support.aws import create_table, serialised

ORG = OrgId("T1")


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ExperimentStore]:
    if request.param == "memory":
        yield InMemoryExperimentStore()
    elif request.param == "sqlite":
        yield SqliteExperimentStore(SqliteDatabase(tmp_path / "autosre.db"))
    else:
        with mock_aws():
            client = serialised(
                boto3.client("dynamodb"),
                "dynamodb.TransactWriteItems",
                "moto restores the table it copied before a transaction that fails, which "
                "can undo another thread's write; DynamoDB's transactions are isolated",
            )
            yield DynamoDbExperimentStore(table=create_table(), client=client)


def experiment(
    id_: str, minutes: int = 0, org: str = ORG, team: str | None = "payments"
) -> Experiment:
    return Experiment(
        id=id_,
        org=org,
        team=team,
        arms=[Arm(variant=control(org), weight=1.0)],
        floor=0.05,
        started_by="root",
        started_at=NOW + timedelta(minutes=minutes),
    )


def test_a_saved_experiment_is_read_back_at_its_next_version_newest_first(
    store: ExperimentStore,
) -> None:
    store.save(experiment("pe-0001"))
    saved = store.save(experiment("pe-0002", minutes=5, team="search"))
    store.save(experiment("pe-0003", org="T2"))
    assert saved.version == 1
    assert store.get(ORG, "pe-0002") == saved
    assert [x.id for x in store.list_for(ORG)] == ["pe-0002", "pe-0001"]
    assert store.get(ORG, "pe-0003") is None


def test_a_save_over_a_stale_read_is_refused_and_changes_nothing(store: ExperimentStore) -> None:
    read = store.save(experiment("pe-0001"))
    moved = store.save(read.model_copy(update={"assignments": {"inv-aaaaaa": "cause-first"}}))
    with pytest.raises(ConflictError):
        store.save(read.model_copy(update={"assignments": {"inv-bbbbbb": "cause-first"}}))
    with pytest.raises(ConflictError):
        store.save(experiment("pe-0001"))
    assert store.get(ORG, "pe-0001") == moved
    assert moved.version == 2


def test_a_gating_experiment_keeps_its_gate_runs_so_far(store: ExperimentStore) -> None:
    # GIVEN an experiment whose offline gate ran the control on both cases, k = 2, and the
    # variant once
    runs = GateRuns(k=2, cases=["saturation-1", "quiet-2"], arms=["cause-first", "brief"])
    for case in ("saturation-1", "quiet-2"):
        runs = runs.with_run("cause-first", case, "").with_run("cause-first", case, "")
    runs = runs.with_run("brief", "saturation-1", "named error rate first, not saturation")
    gating = experiment("pe-0001").model_copy(
        update={"state": ExperimentState.GATING, "gate_runs": runs}
    )
    # WHEN it is saved and read back
    store.save(gating)
    read = store.get(ORG, "pe-0001")
    # THEN the next part goes on where this one stopped
    assert read is not None and read.gate_runs == runs
    assert read.state is ExperimentState.GATING
    assert read.gate_runs.told == "Gate: 1 of 4 runs done"
    assert read.gate_runs.next_run() == ("brief", "saturation-1")
    assert read.gate_runs.misses["brief"] == [
        "saturation-1: named error rate first, not saturation"
    ]


def test_a_live_experiment_holds_its_scope_until_the_save_that_ends_it(
    store: ExperimentStore,
) -> None:
    # GIVEN a running experiment of team payments
    first = store.save(experiment("pe-0001"))
    # WHEN another new one of team payments is saved, running or still gating
    gating = experiment("pe-0003").model_copy(update={"state": ExperimentState.GATING})
    for second in (experiment("pe-0002"), gating):
        # THEN it is refused and nothing of it is kept
        with pytest.raises(ConflictError):
            store.save(second)
        assert store.get(ORG, second.id) is None
    # AND an org-wide one, another team's and another org's payments' are kept beside it
    store.save(experiment("pe-0004", team=None))
    store.save(experiment("pe-0005", team="search"))
    store.save(experiment("pe-0006", org="T2"))
    # WHEN the first is stopped, a new one of payments is kept; once promoted, the next one is
    store.save(first.model_copy(update={"state": ExperimentState.STOPPED, "ended_at": NOW}))
    second = store.save(experiment("pe-0002"))
    store.save(second.model_copy(update={"state": ExperimentState.PROMOTED, "ended_at": NOW}))
    third = store.save(gating)
    # THEN the newest holds the scope in turn
    assert third.version == 1
    with pytest.raises(ConflictError):
        store.save(experiment("pe-0007"))
    assert {x.id for x in store.list_for(ORG) if x.team == "payments"} == {
        "pe-0001",
        "pe-0002",
        "pe-0003",
    }


def test_an_ended_experiment_saved_again_leaves_the_scope_to_its_new_holder(
    store: ExperimentStore,
) -> None:
    # GIVEN pe-0001 stopped and pe-0002 running in its scope since
    first = store.save(experiment("pe-0001"))
    ended = store.save(first.model_copy(update={"state": ExperimentState.STOPPED}))
    store.save(experiment("pe-0002"))
    # WHEN the stopped one is saved again (its history noted)
    store.save(ended.noted(NOW, "stopped", "told"))
    # THEN pe-0002 still holds the scope
    with pytest.raises(ConflictError):
        store.save(experiment("pe-0003"))


def test_of_new_experiments_saved_at_once_for_one_scope_exactly_one_is_kept(
    store: ExperimentStore,
) -> None:
    # GIVEN eight new experiments of team payments, each saved from its own thread at once
    racers = [experiment(f"pe-{n:04d}") for n in range(8)]
    start, kept, refused = threading.Barrier(len(racers), timeout=30), [], []

    def save(racer: Experiment) -> None:
        start.wait()
        try:
            kept.append(store.save(racer))
        except ConflictError:
            refused.append(racer.id)

    threads = [threading.Thread(target=save, args=(racer,)) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # THEN exactly one is kept, and it is the only one stored
    assert len(kept) == 1 and len(refused) == len(racers) - 1
    assert [x.id for x in store.list_for(ORG)] == [kept[0].id]
