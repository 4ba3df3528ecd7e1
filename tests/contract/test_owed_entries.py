"""One contract for the OwedEntries port: memory, SQLite and DynamoDB (moto) keep each owed
audit entry once, under its org, oldest first, until it is paid."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_owed import DynamoDbOwedEntries
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_owed import SqliteOwedEntries
from shared.adapters.memory_owed import InMemoryOwedEntries
from shared.audit.models import AuditDraft, Outcome
from shared.audit.owed import LEASE, Claim, OwedEntries
from shared.identity.models import Actor, OrgId, Platform, UserId
from tests.support import NOW
from tests.support.aws import create_table

ORG, OTHER = OrgId("slack:T1"), OrgId("teams:tenant-a")


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def owed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OwedEntries]:
    if request.param == "memory":
        yield InMemoryOwedEntries()
    elif request.param == "sqlite":
        yield SqliteOwedEntries(SqliteDatabase(tmp_path / "autosre.db"))
    else:
        with mock_aws():
            yield DynamoDbOwedEntries(table=create_table(), client=boto3.client("dynamodb"))


def _draft(org: OrgId, minute: int, command: str = "sre chaos halt --all") -> AuditDraft:
    return AuditDraft(
        id=str(uuid.uuid4()),
        time=NOW + timedelta(minutes=minute),
        org=org,
        team="_org",
        actor=Actor(platform=Platform.SLACK, org=org, user=UserId("root")),
        command=command,
        outcome=Outcome.REQUESTED,
        correlation_id=f"c{minute}",
        details={"reason": "outage"},
    )


def test_owed_entries_come_back_oldest_first_and_whole(owed: OwedEntries) -> None:
    later, earlier = _draft(ORG, 2), _draft(ORG, 1)
    owed.owe(later)
    owed.owe(earlier)
    assert owed.owed(ORG) == [earlier, later]


def test_an_entry_owed_twice_is_kept_once_and_gone_once_paid(owed: OwedEntries) -> None:
    draft = _draft(ORG, 1)
    owed.owe(draft)
    owed.owe(draft)  # a retried halt owes the same entry again
    assert owed.owed(ORG) == [draft]
    owed.paid(draft)
    assert owed.owed(ORG) == []
    owed.paid(draft)  # paid twice: nothing to forget, no error


def test_each_org_reads_its_own_and_the_scheduler_reads_every_org(owed: OwedEntries) -> None:
    mine, theirs = _draft(ORG, 2), _draft(OTHER, 1)
    owed.owe(mine)
    owed.owe(theirs)
    assert owed.owed(ORG) == [mine]
    assert owed.owed(OTHER) == [theirs]
    assert owed.owed() == [theirs, mine]


def test_sqlite_keeps_owed_entries_for_the_next_process(tmp_path: Path) -> None:
    # GIVEN an entry owed by one process
    draft = _draft(ORG, 1)
    SqliteOwedEntries(SqliteDatabase(tmp_path / "autosre.db")).owe(draft)
    # WHEN the next process opens the same file THEN the entry is still owed
    assert SqliteOwedEntries(SqliteDatabase(tmp_path / "autosre.db")).owed(ORG) == [draft]


def test_an_owed_entry_is_claimed_by_one_writer_until_let_go_or_its_lease_is_over(
    owed: OwedEntries,
) -> None:
    draft = _draft(ORG, 1)
    owed.owe(draft)
    # WHEN one writer claims it, having seen its stream's head at entry 7
    assert owed.claim(draft, now=NOW, seen=7) == Claim(seen=None)
    # THEN a second (an overlapping tick) does not get it while the lease lasts
    assert owed.claim(draft, now=NOW + LEASE - timedelta(seconds=1), seen=8) is None
    # WHEN the first lets go (its write failed) THEN the next gets it, told where to look
    owed.release(draft)
    assert owed.claim(draft, now=NOW, seen=9) == Claim(seen=7)
    # WHEN that writer dies THEN its claim is taken again once its lease is over
    assert owed.claim(draft, now=NOW + LEASE, seen=10) == Claim(seen=7)
    # WHEN it is paid THEN nobody claims it any more
    owed.paid(draft)
    assert owed.claim(draft, now=NOW + 2 * LEASE, seen=11) is None
    assert owed.owed(ORG) == []


def test_owing_an_entry_again_keeps_its_claim(owed: OwedEntries) -> None:
    draft = _draft(ORG, 1)
    owed.owe(draft)
    assert owed.claim(draft, now=NOW, seen=1) is not None
    owed.owe(draft)
    assert owed.claim(draft, now=NOW, seen=2) is None


def test_entries_owed_at_the_same_time_come_back_in_the_order_owed(owed: OwedEntries) -> None:
    # GIVEN a tick's "halted" then "rolled back" entries, at one time, ids sorting the other way
    halted = _draft(ORG, 1, "chaos halted chx-1").model_copy(update={"id": "f" + "0" * 31})
    rolled_back = _draft(ORG, 1, "chaos rolled back chx-1").model_copy(update={"id": "0" * 32})
    owed.owe(halted)
    owed.owe(rolled_back)
    # THEN they come back in the order owed, for the org and for the scheduler
    assert [d.command for d in owed.owed(ORG)] == ["chaos halted chx-1", "chaos rolled back chx-1"]
    assert owed.owed() == [halted, rolled_back]
