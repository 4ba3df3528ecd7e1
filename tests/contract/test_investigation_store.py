"""One contract for the InvestigationStore port: memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws import dynamodb_items as items
from shared.adapters.aws.dynamodb_investigations import DynamoDbInvestigationStore
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_investigations import SqliteInvestigationStore
from shared.adapters.memory import InMemoryInvestigationStore
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.investigations.models import Investigation, InvestigationStatus, TimelineEntry
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


OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS investigations (org TEXT NOT NULL, id TEXT NOT NULL, team TEXT NOT NULL,
    opened_at TEXT NOT NULL, body TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (org, id));
CREATE INDEX IF NOT EXISTS investigations_by_team ON investigations (org, team, opened_at);
"""


def _resolved(investigation: Investigation) -> Investigation:
    return investigation.model_copy(update={"status": InvestigationStatus.RESOLVED})


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


def test_a_team_reads_only_its_own_newest_first_and_at_most_newest(
    store: InvestigationStore,
) -> None:
    for n in range(5):
        store.save(_investigation(f"inv-{n}", minutes=n))
    store.save(_investigation("inv-s", team="search", minutes=9))
    assert [i.id for i in store.recent(ORG, "payments", newest=3)] == ["inv-4", "inv-3", "inv-2"]
    assert [i.id for i in store.recent(ORG, "payments", newest=10)] == [
        "inv-4",
        "inv-3",
        "inv-2",
        "inv-1",
        "inv-0",
    ]
    assert [i.id for i in store.recent(ORG, "search", newest=10)] == ["inv-s"]
    assert store.recent(OrgId("T2"), "payments", newest=10) == []


def test_an_open_investigation_is_found_however_old(store: InvestigationStore) -> None:
    store.save(_investigation("inv-old", minutes=-500))
    for n in range(5):
        newer = store.save(_investigation(f"inv-{n}", minutes=n))
        store.save(_resolved(newer))
    store.save(_investigation("inv-open", minutes=9))
    store.save(_investigation("inv-s", team="search", minutes=1))
    assert "inv-old" not in [i.id for i in store.recent(ORG, "payments", newest=3)]
    assert [i.id for i in store.open_for(ORG, "payments")] == ["inv-open", "inv-old"]
    assert [i.id for i in store.open_for(ORG, "search")] == ["inv-s"]
    assert store.open_for(OrgId("T2"), "payments") == []


def test_the_open_ones_follow_resolve_and_reopen(store: InvestigationStore) -> None:
    opened = store.save(_investigation("inv-1"))
    resolved = store.save(_resolved(opened))
    assert store.open_for(ORG, "payments") == []
    reopened = store.save(resolved.model_copy(update={"status": InvestigationStatus.OPEN}))
    assert store.open_for(ORG, "payments") == [reopened]
    commented = store.save(reopened.model_copy(update={"summary": "pool exhausted"}))
    assert store.open_for(ORG, "payments") == [commented]  # the newest version, once


def test_a_refused_write_changes_no_open_one(store: InvestigationStore) -> None:
    opened = store.save(_investigation("inv-1"))
    resolved = store.save(_resolved(opened))
    with pytest.raises(ConflictError):  # a stale write of the open one does not reopen it
        store.save(opened.model_copy(update={"summary": "late"}))
    assert store.open_for(ORG, "payments") == []
    with pytest.raises(ConflictError):  # a new one with a taken id, opened later
        store.save(_investigation("inv-1", minutes=30))
    assert store.open_for(ORG, "payments") == []
    assert store.recent(ORG, "payments", newest=10) == [resolved]
    second = store.save(_investigation("inv-2", minutes=5))
    with pytest.raises(ConflictError):  # a stale resolve leaves it open
        store.save(_resolved(second.model_copy(update={"version": 0})))
    assert store.open_for(ORG, "payments") == [second]


def test_a_database_made_by_the_earlier_release_keeps_working_both_ways(tmp_path: Path) -> None:
    path = tmp_path / "autosre.db"
    old = _investigation("inv-old", minutes=-500).model_copy(update={"version": 1})
    done = _resolved(_investigation("inv-done")).model_copy(update={"version": 1})
    with sqlite3.connect(path) as db:  # the schema and rows as the store wrote them before
        db.executescript(OLD_SCHEMA)
        for i in (old, done):
            row = (i.org, i.id, i.team, i.opened_at.isoformat(), i.model_dump_json(), i.version)
            db.execute("INSERT INTO investigations VALUES (?, ?, ?, ?, ?, ?)", row)
    store = SqliteInvestigationStore(SqliteDatabase(path))
    assert store.open_for(ORG, "payments") == [old]
    assert store.recent(ORG, "payments", newest=10) == [done, old]
    store.save(_resolved(old))
    assert store.open_for(ORG, "payments") == []
    again = SqliteInvestigationStore(SqliteDatabase(path))  # the next start migrates nothing
    assert [i.id for i in again.recent(ORG, "payments", newest=10)] == ["inv-done", "inv-old"]
    # AND the earlier release (rolled back to) still saves into it, its six columns by position
    back = _investigation("inv-back").model_copy(update={"version": 1})
    with sqlite3.connect(path) as db:
        row = (back.org, back.id, back.team, back.opened_at.isoformat(), back.model_dump_json(), 1)
        db.execute("INSERT OR REPLACE INTO investigations VALUES (?, ?, ?, ?, ?, ?)", row)
    assert again.open_for(ORG, "payments") == [back]


def test_a_team_finds_what_other_teams_asked_it_to_help_with(store: InvestigationStore) -> None:
    for n in range(4):
        store.save(_investigation(f"inv-{n}", minutes=n))
    store.save(_investigation("inv-own", team="search", minutes=9))
    for n in (0, 2, 3):  # payments asks search in about three of them, one twice over
        found = store.get(ORG, f"inv-{n}")
        assert found is not None
        store.save(found.model_copy(update={"shared_with": ["db", "search"]}))
    again = store.get(ORG, "inv-2")
    assert again is not None
    store.save(_resolved(again))
    assert [i.id for i in store.asked_of(ORG, "search", newest=10)] == ["inv-3", "inv-2", "inv-0"]
    assert [i.id for i in store.asked_of(ORG, "search", newest=2)] == ["inv-3", "inv-2"]
    assert store.asked_of(ORG, "search", newest=10)[1].status is InvestigationStatus.RESOLVED
    assert [i.id for i in store.asked_of(ORG, "db", newest=10)] == ["inv-3", "inv-2", "inv-0"]
    assert store.asked_of(ORG, "payments", newest=10) == []  # its own are not asked of it
    assert store.asked_of(ORG, "sea", newest=10) == []  # a prefix of a team is not the team
    assert store.asked_of(OrgId("T2"), "search", newest=10) == []


def test_a_database_made_before_the_asks_table_finds_the_teams_asked(tmp_path: Path) -> None:
    path = tmp_path / "autosre.db"
    asked = _investigation("inv-asked").model_copy(update={"version": 1, "shared_with": ["db"]})
    with sqlite3.connect(path) as db:  # escalated by the release before the asks table
        db.executescript(OLD_SCHEMA)
        row = (ORG, asked.id, asked.team, asked.opened_at.isoformat(), asked.model_dump_json(), 1)
        db.execute("INSERT INTO investigations VALUES (?, ?, ?, ?, ?, ?)", row)
    store = SqliteInvestigationStore(SqliteDatabase(path))
    assert store.asked_of(ORG, "db", newest=10) == [asked]
    again = SqliteInvestigationStore(SqliteDatabase(path))  # filled once, not twice
    assert again.asked_of(ORG, "db", newest=10) == [asked]


def test_the_cause_and_who_said_it_are_kept(store: InvestigationStore) -> None:
    first = store.save(_investigation("inv-1"))
    said = first.model_copy(update={"cause": "deploy v43", "cause_by": "U2", "summary": "pool"})
    saved = store.save(said)
    found = store.get(ORG, "inv-1")
    assert found is not None
    assert (found.cause, found.cause_by, found.summary) == ("deploy v43", "U2", "pool")
    assert store.recent(ORG, "payments", newest=1)[0].cause == "deploy v43"
    assert found == saved


def _saved_before_open_items(client: Any, table: str, investigation: Investigation) -> None:
    """`investigation` as the store wrote it before the `OPEN#` items: its record, its pointer."""
    pk = f"ORG#{investigation.org}"
    sk = f"INV#{investigation.team}#{investigation.opened_at.isoformat()}#{investigation.id}"
    saved = investigation.model_copy(update={"version": 1})
    client.put_item(TableName=table, Item=items.item(pk, sk, saved, version=1))
    pointer = {"pk": {"S": pk}, "sk": {"S": f"INVID#{investigation.id}"}, "target": {"S": sk}}
    client.put_item(TableName=table, Item=pointer)


def test_a_table_written_before_the_open_items_has_its_open_ones_found() -> None:
    with mock_aws():
        client, table = boto3.client("dynamodb"), create_table()
        _saved_before_open_items(client, table, _investigation("inv-old", minutes=-500))
        _saved_before_open_items(client, table, _resolved(_investigation("inv-done")))
        store = DynamoDbInvestigationStore(table=table, client=client)
        (found,) = store.open_for(ORG, "payments")
        assert found.id == "inv-old"
        assert store.open_for(OrgId("T2"), "payments") == []
        store.save(_resolved(found))  # its open item goes with it, and is not indexed again
        assert store.open_for(ORG, "payments") == []


def test_one_resolved_while_the_open_ones_are_indexed_stays_resolved() -> None:
    with mock_aws():
        client, table = boto3.client("dynamodb"), create_table()
        old = _investigation("inv-old", minutes=-500)
        _saved_before_open_items(client, table, old)
        store = DynamoDbInvestigationStore(table=table, client=client)
        resolved: list[Investigation] = []

        def resolve_first(**_: object) -> None:  # someone resolves it just before it is indexed
            if not resolved:
                resolved.append(DynamoDbInvestigationStore(table=table).save(_resolved(_v1(old))))

        client.meta.events.register("before-call.dynamodb.TransactWriteItems", resolve_first)
        assert store.open_for(ORG, "payments") == []
        assert store.get(ORG, "inv-old") == resolved[0]


def _v1(investigation: Investigation) -> Investigation:
    return investigation.model_copy(update={"version": 1})


def test_one_resolved_by_the_earlier_release_is_not_taken_for_open() -> None:
    with mock_aws():
        client, table = boto3.client("dynamodb"), create_table()
        store = DynamoDbInvestigationStore(table=table, client=client)
        opened = store.save(_investigation("inv-1"))
        assert store.open_for(ORG, "payments") == [opened]
        # WHEN the earlier release (rolled back to) resolves it, leaving its open item behind
        _saved_before_open_items(client, table, _resolved(opened))
        # THEN its record decides: it is not open
        assert store.open_for(ORG, "payments") == []
