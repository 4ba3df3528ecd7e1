"""One contract for the UsageLedger port: memory, SQLite and DynamoDB (moto) keep one record
per org, team, month and kind alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_usage import DynamoDbUsageLedger
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_usage import SqliteUsageLedger
from shared.adapters.memory_usage import InMemoryUsageLedger
from shared.identity.models import OrgId
from shared.quotas.ports import UsageLedger
from shared.quotas.usage import UsageKind, UsageLine
from tests.support.aws import create_table

ORG = OrgId("slack:T1")
AT = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
CALLS = UsageKind.CLOUDWATCH_GET_METRIC_DATA


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UsageLedger]:
    if request.param == "memory":
        yield InMemoryUsageLedger()
    elif request.param == "sqlite":
        yield SqliteUsageLedger(SqliteDatabase(tmp_path / "autosre.db"))
    else:
        with mock_aws():
            yield DynamoDbUsageLedger(table=create_table(), client=boto3.client("dynamodb"))


def test_adds_of_one_kind_in_one_month_are_one_record(ledger: UsageLedger) -> None:
    for amount in (3, 4, 5):
        ledger.add(ORG, "payments", CALLS, amount, at=AT)
    ledger.add(ORG, "payments", UsageKind.INVESTIGATIONS, 1, at=AT)
    assert ledger.month(ORG, "2026-11") == [
        UsageLine(team="payments", month="2026-11", kind=CALLS, count=12),
        UsageLine(team="payments", month="2026-11", kind=UsageKind.INVESTIGATIONS, count=1),
    ]


def test_each_month_keeps_its_own_records_after_it_ends(ledger: UsageLedger) -> None:
    ledger.add(ORG, "payments", CALLS, 2, at=AT)
    ledger.add(ORG, "payments", CALLS, 7, at=AT + timedelta(minutes=1))  # December, UTC
    assert [line.count for line in ledger.month(ORG, "2026-11")] == [2]
    assert [line.count for line in ledger.month(ORG, "2026-12")] == [7]
    assert ledger.month(ORG, "2026-10") == []


def test_records_are_kept_per_org_and_team(ledger: UsageLedger) -> None:
    ledger.add(ORG, "payments", CALLS, 2, at=AT)
    ledger.add(ORG, "search", CALLS, 3, at=AT)
    ledger.add(OrgId("slack:T2"), "payments", CALLS, 5, at=AT)
    assert [(line.team, line.count) for line in ledger.month(ORG, "2026-11")] == [
        ("payments", 2),
        ("search", 3),
    ]
    assert [line.count for line in ledger.month(OrgId("slack:T2"), "2026-11")] == [5]


def test_a_count_given_back_never_takes_a_record_below_zero(ledger: UsageLedger) -> None:
    ledger.add(ORG, "payments", UsageKind.MODEL_TOKENS, 900, at=AT)
    ledger.add(ORG, "payments", UsageKind.MODEL_TOKENS, -400, at=AT)
    assert [line.count for line in ledger.month(ORG, "2026-11")] == [500]
    ledger.add(ORG, "payments", UsageKind.MODEL_TOKENS, -501, at=AT)
    assert [line.count for line in ledger.month(ORG, "2026-11")] == [0]


def test_a_months_summary_is_claimed_once_per_org_until_released(ledger: UsageLedger) -> None:
    # GIVEN the summary of November claimed for org 1
    assert ledger.claim_summary(ORG, "2026-11")
    # THEN a second claim of it loses; another month's or another org's is its own
    assert not ledger.claim_summary(ORG, "2026-11")
    assert ledger.claim_summary(ORG, "2026-12")
    assert ledger.claim_summary(OrgId("slack:T2"), "2026-11")
    # AND a released claim (it could not be audited) is claimed again, once
    ledger.release_summary(ORG, "2026-11")
    assert ledger.claim_summary(ORG, "2026-11")
    assert not ledger.claim_summary(ORG, "2026-11")
    # AND the claims are not usage
    assert ledger.month(ORG, "2026-11") == []
