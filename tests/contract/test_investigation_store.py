"""One contract for the InvestigationStore port: memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_investigations import DynamoDbInvestigationStore
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_investigations import SqliteInvestigationStore
from shared.adapters.memory import InMemoryInvestigationStore
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.investigations.models import Investigation, TimelineEntry
from shared.investigations.ports import InvestigationStore
from tests.support import NOW
from tests.support.aws import create_table

ORG = OrgId("T1")


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InvestigationStore]:
    if request.param == "memory":
        yield InMemoryInvestigationStore()
    elif request.param == "sqlite":
        yield SqliteInvestigationStore(SqliteDatabase(tmp_path / "autosre.db"))
    else:
        with mock_aws():
            yield DynamoDbInvestigationStore(table=create_table(), client=boto3.client("dynamodb"))


def _investigation(id_: str, team: str = "payments", minutes: int = 0) -> Investigation:
    at = NOW + timedelta(minutes=minutes)
    return Investigation(
        id=id_,
        org=ORG,
        team=team,
        service="checkout-api",
        opened_by="U1",
        opened_at=at,
        start=at - timedelta(hours=2),
        end=at,
        headline="h",
    )


def test_an_investigation_is_stored_and_read_back(store: InvestigationStore) -> None:
    saved = store.save(_investigation("inv-1"))
    assert saved.version == 1
    assert store.get(ORG, "inv-1") == saved
    assert store.get(ORG, "inv-2") is None
    assert store.get(OrgId("T2"), "inv-1") is None


def test_its_narrative_is_read_back_with_who_wrote_it(store: InvestigationStore) -> None:
    told = {
        "narrative": "Error rate moved first.",
        "narrated_by": "timeline-first v2 · 3f9c2a1b7d0e",
    }
    store.save(_investigation("inv-1").model_copy(update=told))
    found = store.get(ORG, "inv-1")
    assert found is not None
    assert found.narrated_by == "timeline-first v2 · 3f9c2a1b7d0e"


def test_a_stale_write_is_refused_and_the_newer_kept(store: InvestigationStore) -> None:
    first = store.save(_investigation("inv-1"))
    comment = TimelineEntry(time=NOW, actor="U2", kind="comment", text="rolled back")
    theirs = store.save(first.model_copy(update={"timeline": [comment]}))
    with pytest.raises(ConflictError):
        store.save(first.model_copy(update={"participants": ["U3"]}))
    assert store.get(ORG, "inv-1") == theirs
    with pytest.raises(ConflictError):
        store.save(_investigation("inv-1"))  # a new one with a taken id


def test_a_team_lists_only_its_own_newest_first(store: InvestigationStore) -> None:
    store.save(_investigation("inv-1", minutes=0))
    store.save(_investigation("inv-2", minutes=5))
    store.save(_investigation("inv-3", team="search", minutes=9))
    assert [i.id for i in store.list_for(ORG, "payments")] == ["inv-2", "inv-1"]
    assert [i.id for i in store.list_for(ORG, "search")] == ["inv-3"]


def test_the_cause_and_who_said_it_are_kept(store: InvestigationStore) -> None:
    first = store.save(_investigation("inv-1"))
    said = first.model_copy(update={"cause": "deploy v43", "cause_by": "U2", "summary": "pool"})
    saved = store.save(said)
    found = store.get(ORG, "inv-1")
    assert found is not None
    assert (found.cause, found.cause_by, found.summary) == ("deploy v43", "U2", "pool")
    assert store.list_for(ORG, "payments")[0].cause == "deploy v43"
    assert found == saved
