"""Token rotation under threads: eight functions find a workspace's bot token as it expires, and
Slack's `oauth.v2.access` (loopback) sees exactly one refresh, so nobody gets
`invalid_refresh_token` (bolt-python #663, #1332). Each store racer has its own handle: SQLite's
two connections, DynamoDB (moto, its calls serialised as DynamoDB's per-item writes are)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation import TokenRotator

from bots.slack.installations import Records
from bots.slack.rotation import RotatingInstallationStore
from shared.adapters.aws.dynamodb_records import DynamoDbRecords
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_records import SqliteRecords
from shared.adapters.memory_records import InMemoryRecords
from tests.fakes.slack_api import SlackApi, slack_api
from tests.support.aws import create_table, serialised
from tests.support.slack_oauth import CLIENT_ID, install_answer

RACERS = 8


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def handles(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Records, Records]]:
    """Two handles on one store, as two functions would have."""
    if request.param == "memory":
        shared = InMemoryRecords()
        yield shared, shared
    elif request.param == "sqlite":
        path = tmp_path / "autosre.db"
        yield SqliteRecords(SqliteDatabase(path)), SqliteRecords(SqliteDatabase(path))
    else:
        with mock_aws():
            table = create_table()
            why = "moto checks a condition, then writes; DynamoDB does both at once"
            one = threading.Lock()  # both clients' calls: moto's backend is one, as DynamoDB is
            pair = [
                DynamoDbRecords(
                    table=table,
                    client=serialised(boto3.client("dynamodb"), "dynamodb", why, lock=one),
                )
                for _ in range(2)
            ]
            yield pair[0], pair[1]


def _store(records: Records, api: SlackApi) -> RotatingInstallationStore:
    rotator = TokenRotator(
        client_id=CLIENT_ID, client_secret="shh", client=WebClient(base_url=api.url)
    )
    return RotatingInstallationStore(records, client_id=CLIENT_ID, rotator=rotator, minutes=120)


def _expiring(team: str) -> Installation:
    return Installation(
        app_id="A0APP",
        team_id=team,
        user_id="U0INSTALLER",
        bot_token="xoxe.xoxb-first",
        bot_refresh_token="xoxe-1-first",
        bot_token_expires_at=int(time.time()) + 60,  # within the 120 minutes: refresh now
        bot_id="B1",
        bot_user_id="U0BOT",
    )


def test_eight_functions_at_expiry_refresh_the_token_once(
    handles: tuple[Records, Records],
) -> None:
    with slack_api() as api:
        # GIVEN a workspace whose bot token is about to expire, its refresh token good once
        api.install("unused", install_answer("T1", "xoxe.xoxb-first", refresh="xoxe-1-first"))
        _store(handles[0], api).save(_expiring("T1"))
        stores = [_store(handles[n % 2], api) for n in range(RACERS)]
        tokens: list[str | None] = []
        start = threading.Barrier(RACERS)

        def authorise(store: RotatingInstallationStore) -> None:
            start.wait()
            found = store.find_installation(enterprise_id=None, team_id="T1")
            tokens.append(found.bot_token if found else None)

        # WHEN eight functions authorise a request of that workspace at the same moment
        threads = [threading.Thread(target=authorise, args=(s,)) for s in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # THEN Slack saw one refresh, and every function got the new token
    refreshes = [c for c in api.called("oauth.v2.access") if c.fields.get("grant_type")]
    assert len(refreshes) == 1
    assert tokens == ["xoxe.xoxb-rotated-1"] * RACERS
    # AND the next request reads the refreshed token without another exchange
    again = _store(handles[1], api).find_bot(enterprise_id=None, team_id="T1")
    assert again is not None and again.bot_token == "xoxe.xoxb-rotated-1"
    assert again.bot_refresh_token == "xoxe-1-refresh-1"
