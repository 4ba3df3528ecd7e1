"""One contract for the AlertStore port: memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_alerts import DynamoDbAlertStore
from shared.adapters.local.sqlite_alerts import SqliteAlertStore
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.memory import InMemoryAlertStore
from shared.alerts.models import AlertPolicy, AlertStatus, Silence
from shared.alerts.ports import AlertStore
from shared.alerts.states import State
from shared.errors import ConflictError, NotFoundError
from shared.identity.models import OrgId
from shared.judging.condition import parse
from tests.support import NOW
from tests.support.aws import create_table

ORG = OrgId("T1")


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlertStore]:
    if request.param == "memory":
        yield InMemoryAlertStore()
    elif request.param == "sqlite":
        yield SqliteAlertStore(SqliteDatabase(tmp_path / "autosre.db"))
    else:
        with mock_aws():
            yield DynamoDbAlertStore(table=create_table(), client=boto3.client("dynamodb"))


def _policy(name: str, team: str = "payments", org: str = ORG) -> AlertPolicy:
    return AlertPolicy(
        org=org,
        team=team,
        name=name,
        service="checkout-api",
        condition=parse("p99_latency > 800ms for 5m"),
        created_by="oli",
        created_at=NOW,
    )


def test_a_policy_is_stored_listed_and_deleted(store: AlertStore) -> None:
    saved = store.save(_policy("slow"))
    store.save(_policy("errors"))
    store.save(_policy("other", team="search"))
    store.save(_policy("elsewhere", org="T2"))
    assert saved.version == 1
    assert store.get(ORG, "payments", "slow") == saved
    assert [p.name for p in store.list_for(ORG, "payments")] == ["errors", "slow"]
    assert sorted(p.name for p in store.every()) == ["elsewhere", "errors", "other", "slow"]
    store.delete(ORG, "payments", "slow")
    assert store.get(ORG, "payments", "slow") is None
    with pytest.raises(NotFoundError):
        store.delete(ORG, "payments", "slow")


def test_a_state_change_is_a_conditional_write(store: AlertStore) -> None:
    # GIVEN two scheduler runs that read the same version of a policy
    read = store.save(_policy("slow"))
    firing = read.status.model_copy(update={"state": State.FIRING, "fired_at": NOW})
    # WHEN both write the same transition
    first = store.save(read.model_copy(update={"status": firing}))
    # THEN only the first lands; the second is told it lost
    with pytest.raises(ConflictError):
        store.save(read.model_copy(update={"status": firing}))
    assert store.get(ORG, "payments", "slow") == first
    assert first.status == AlertStatus(state=State.FIRING, fired_at=NOW)
    with pytest.raises(ConflictError):
        store.save(_policy("slow"))  # a new policy cannot replace an existing one


def test_silences_are_kept_newest_first(store: AlertStore) -> None:
    for n in range(3):
        store.save_silence(
            Silence(
                id=f"s{n}",
                org=ORG,
                team="payments",
                matchers={"alert": "slow"},
                created_by="rey",
                comment="deploying",
                starts_at=NOW + timedelta(minutes=n),
                ends_at=NOW + timedelta(hours=1),
            )
        )
    assert [s.id for s in store.silences(ORG, "payments")] == ["s2", "s1", "s0"]
    assert store.silences(ORG, "search") == []
