"""One contract for Slack's installation and OAuth state stores on every records adapter:
memory, SQLite and DynamoDB (moto) keep installations apart by org and let one caller win."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from slack_sdk.oauth.installation_store import Installation

from bots.slack.installations import Records, RecordsInstallationStore, RecordsOAuthStateStore
from shared.adapters.aws.dynamodb_records import DynamoDbRecords
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_records import SqliteRecords
from shared.adapters.memory_records import InMemoryRecords
from tests.support.aws import create_table, resource, serialised

CLIENT = "1111.2222"


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Records]:
    if request.param == "memory":
        yield InMemoryRecords()
    elif request.param == "sqlite":
        yield SqliteRecords(SqliteDatabase(tmp_path / "autosre.db"))
    else:
        with mock_aws():
            client = serialised(
                boto3.client("dynamodb"),
                "dynamodb",
                "moto checks a condition, then writes; DynamoDB does both at once",
            )
            yield DynamoDbRecords(table=create_table(), client=client)


def _installed(
    team: str | None, *, enterprise: str | None = None, user: str = "U1"
) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=enterprise,
        team_id=team,
        user_id=user,
        bot_token=f"xoxb-{team or enterprise}",
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes=["commands", "chat:write"],
        is_enterprise_install=team is None,
    )


def test_each_workspace_finds_its_own_bot_token(records: Records) -> None:
    # GIVEN two workspaces installed
    store = RecordsInstallationStore(records, client_id=CLIENT)
    store.save(_installed("T1"))
    store.save(_installed("T2", enterprise="E9"))
    # WHEN a request of each is authorised
    one = store.find_installation(enterprise_id=None, team_id="T1")
    two = store.find_bot(enterprise_id="E9", team_id="T2")
    # THEN each gets its own token, and a workspace never installed gets none
    assert one is not None and one.bot_token == "xoxb-T1"
    assert two is not None and two.bot_token == "xoxb-T2"
    assert store.find_installation(enterprise_id=None, team_id="T3") is None
    assert store.ids_of("slack:T2") == ("E9", "T2")


def test_an_org_wide_grid_install_serves_every_workspace_of_the_org(records: Records) -> None:
    store = RecordsInstallationStore(records, client_id=CLIENT)
    store.save(_installed(None, enterprise="E1"))
    found = store.find_installation(enterprise_id="E1", team_id="T77", is_enterprise_install=True)
    assert found is not None and found.bot_token == "xoxb-E1"
    assert store.ids_of("slack:E1") == ("E1", None)


def test_uninstalling_forgets_that_workspace_only(records: Records) -> None:
    store = RecordsInstallationStore(records, client_id=CLIENT)
    store.save(_installed("T1"))
    store.save(_installed("T2"))
    store.delete_all(enterprise_id=None, team_id="T1")
    assert store.find_installation(enterprise_id=None, team_id="T1") is None
    assert store.find_bot(enterprise_id=None, team_id="T1") is None
    assert store.ids_of("slack:T1") is None
    kept = store.find_bot(enterprise_id=None, team_id="T2")
    assert kept is not None and kept.bot_token == "xoxb-T2"


def test_a_state_is_good_once_and_only_while_fresh(records: Records) -> None:
    states = RecordsOAuthStateStore(records, expiration_seconds=600)
    state = states.issue()
    records.put("slack-oauth-state/stale", "issued", str(time.time() - 601))
    assert states.consume(state) is True
    assert states.consume(state) is False  # replayed
    assert states.consume("never-issued") is False
    assert states.consume("stale") is False


def _race(records: Records, attempt: Callable[[], bool]) -> int:
    winners: list[bool] = []
    start = threading.Barrier(8)

    def run() -> None:
        start.wait()
        winners.append(attempt())

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(winners)


def test_of_eight_callers_one_wins_a_swap_and_one_a_take(records: Records) -> None:
    records.put("p", "prize", "x")
    assert _race(records, lambda: records.swap("p", "lease", None, "mine")) == 1
    assert _race(records, lambda: records.take("p", "prize") is not None) == 1
    assert records.swap("p", "lease", "mine", "free") is True
    assert records.swap("p", "lease", "mine", "again") is False


def test_a_state_on_dynamodb_carries_the_tables_ttl_ten_minutes_on() -> None:
    with mock_aws():
        client = boto3.client("dynamodb")
        table = create_table()
        # GIVEN the install page issued a state (nobody finishes the install)
        before = time.time()
        state = RecordsOAuthStateStore(DynamoDbRecords(table=table, client=client)).issue()
        # THEN its item carries the table's TTL attribute, ten minutes on: DynamoDB deletes it
        key = {"pk": {"S": f"slack-oauth-state/{state}"}, "sk": {"S": "issued"}}
        item = client.get_item(TableName=table, Key=key)["Item"]
        ttl = resource("AppTable")["TimeToLiveSpecification"]["AttributeName"]
        assert before + 599 <= float(item[ttl]["N"]) <= time.time() + 600


def test_expired_states_are_deleted_from_sqlite_by_a_later_issue(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "autosre.db")
    # GIVEN a state issued and left unused until it expired
    stale = RecordsOAuthStateStore(SqliteRecords(database), expiration_seconds=0).issue()
    # WHEN the install page is opened again (the next run of the app)
    fresh = RecordsOAuthStateStore(SqliteRecords(database)).issue()
    # THEN the expired state is gone from the file, the fresh one kept
    rows = database.query("SELECT partition FROM records")
    assert (f"slack-oauth-state/{fresh}",) in rows
    assert (f"slack-oauth-state/{stale}",) not in rows


def test_a_sqlite_file_from_before_expiring_states_keeps_its_installs(tmp_path: Path) -> None:
    # GIVEN a laptop's file written before states could expire, with an installation in it
    path = tmp_path / "autosre.db"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE records (partition TEXT NOT NULL, name TEXT NOT NULL,"
            " value TEXT NOT NULL, PRIMARY KEY (partition, name))"
        )
    RecordsInstallationStore(SqliteRecords(SqliteDatabase(path)), client_id=CLIENT).save(
        _installed("T1")
    )
    # WHEN the new version issues a state on it
    records = SqliteRecords(SqliteDatabase(path))
    state = RecordsOAuthStateStore(records).issue()
    # THEN the state is good once, and the workspace is still installed
    assert RecordsOAuthStateStore(records).consume(state) is True
    found = RecordsInstallationStore(records, client_id=CLIENT).find_bot(
        enterprise_id=None, team_id="T1"
    )
    assert found is not None and found.bot_token == "xoxb-T1"
