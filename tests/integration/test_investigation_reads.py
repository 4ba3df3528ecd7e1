"""A year-old team's new investigation reads a bounded part of its past, on DynamoDB (moto): the
newest memory.MAX_READ for similar past incidents and the open ones, however old, for "already
open" (counted with botocore's own event hooks: the items every Query and GetItem returned)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_investigations import DynamoDbInvestigationStore
from shared.adapters.memory import FixedClock, InMemoryTaskQueue
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.investigations.memory import MAX_READ
from shared.investigations.service import AGAIN_READ
from tests.support import NOW, ORG, invocation, memory_adapters
from tests.support.aws import create_table
from tests.support.incidents import past_investigation

pytestmark = pytest.mark.slow

PAST = 300
"""The team's past investigations, all resolved but the oldest."""
FEW = 5 + 2 * AGAIN_READ
"""What a new investigation reads besides its MAX_READ past ones (the open one, its pointer; the
team's newest few, before it is queued and when it runs, to tell a request sent twice)."""


class ItemsRead:
    """The items DynamoDB returned to one client's Queries and GetItems."""

    def __init__(self, client: Any) -> None:
        self.count = 0
        client.meta.events.register("after-call.dynamodb.Query", self._query)
        client.meta.events.register("after-call.dynamodb.GetItem", self._get)

    def _query(self, parsed: dict[str, Any], **_: object) -> None:
        self.count += int(parsed.get("Count", 0))

    def _get(self, parsed: dict[str, Any], **_: object) -> None:
        self.count += 1 if "Item" in parsed else 0


@pytest.fixture
def world() -> Iterator[tuple[Services, DynamoDbInvestigationStore, ItemsRead]]:
    with mock_aws():
        client = boto3.client("dynamodb")
        store = DynamoDbInvestigationStore(table=create_table(), client=client)
        adapters = memory_adapters(FixedClock(NOW), investigations=store)
        yield build(Settings(org_admins=("slack:T1:root",)), adapters), store, ItemsRead(client)


def _run(services: Services, text: str, user: str = "root", channel: str = "C-admin") -> Any:
    reply = services.bus.handle(invocation(text, user=user, channel=channel))
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    for task in tasks.drain():
        reply = services.bus.resume(task)
    return reply


def test_a_new_investigation_reads_its_newest_past_and_finds_the_oldest_open_one(
    world: tuple[Services, DynamoDbInvestigationStore, ItemsRead],
) -> None:
    services, store, read = world
    # GIVEN team payments with 300 past investigations of checkout-api, the oldest still open
    for text in ("team create payments", "team bind C-pay --team payments"):
        assert not _run(services, text).failed
    assert not _run(services, "team member add ann --role operator --team payments").failed
    registered = _run(services, "service register checkout-api --sample checkout", "ann", "C-pay")
    assert not registered.failed
    for n in range(PAST):
        store.save(past_investigation(n, days_ago=300, cause="deploy v41"))
    # (the team's first read of its open ones, once ever, indexes those saved before OPEN# items)
    store.open_for(ORG, "payments")
    read.count = 0
    # WHEN ann opens a new investigation of checkout-api
    reply = _run(services, "investigate checkout-api", "ann", "C-pay")
    # THEN it reads at most the newest MAX_READ past ones and a few more, not all 300
    assert not reply.failed, reply
    assert read.count <= MAX_READ + FEW, read.count
    # AND the report still names the open one, a year old, to join instead
    assert "inv-000000" in dict(reply.fields)["Already open"], reply.fields
