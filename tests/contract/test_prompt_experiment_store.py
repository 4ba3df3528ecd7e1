"""One contract for the ExperimentStore port: memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

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
from tests.support.aws import create_table

ORG = OrgId("T1")


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ExperimentStore]:
    if request.param == "memory":
        yield InMemoryExperimentStore()
    elif request.param == "sqlite":
        yield SqliteExperimentStore(SqliteDatabase(tmp_path / "autosre.db"))
    else:
        with mock_aws():
            yield DynamoDbExperimentStore(table=create_table(), client=boto3.client("dynamodb"))


def experiment(id_: str, minutes: int = 0, org: str = ORG) -> Experiment:
    return Experiment(
        id=id_,
        org=org,
        team="payments",
        arms=[Arm(variant=control(org), weight=1.0)],
        floor=0.05,
        started_by="root",
        started_at=NOW + timedelta(minutes=minutes),
    )


def test_a_saved_experiment_is_read_back_at_its_next_version_newest_first(
    store: ExperimentStore,
) -> None:
    store.save(experiment("pe-0001"))
    saved = store.save(experiment("pe-0002", minutes=5))
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
