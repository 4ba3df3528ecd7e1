"""One contract for the Quotas port: memory, SQLite and DynamoDB (moto) count alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_quotas import DynamoDbQuotas
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_quotas import SqliteQuotas
from shared.adapters.memory_quotas import InMemoryQuotas
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.quotas.models import Limit, QuotaBook, Refused, Taken
from shared.quotas.ports import Quotas
from tests.support.aws import create_table

ORG = OrgId("slack:T1")
AT = datetime(2026, 11, 30, 15, 25, tzinfo=UTC)
DAY = Limit.INVESTIGATIONS_PER_DAY


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def quotas(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Quotas]:
    if request.param == "memory":
        yield InMemoryQuotas()
    elif request.param == "sqlite":
        yield SqliteQuotas(SqliteDatabase(tmp_path / "autosre.db"))
    else:
        with mock_aws():
            yield DynamoDbQuotas(table=create_table(), client=boto3.client("dynamodb"))


def test_units_are_taken_up_to_the_cap_and_the_next_is_refused_with_its_reset(
    quotas: Quotas,
) -> None:
    taken = [quotas.take(ORG, "payments", DAY, 1, at=AT, cap=2) for _ in range(2)]
    refused = quotas.take(ORG, "payments", DAY, 1, at=AT, cap=2)
    assert [t.used for t in taken] == [1, 2]
    assert all(isinstance(t, Taken) for t in taken)
    assert refused == Refused(limit=DAY, used=2, cap=2, resets=datetime(2026, 12, 1, tzinfo=UTC))
    assert quotas.used(ORG, "payments", DAY, at=AT) == 2


def test_a_take_that_would_pass_the_cap_takes_nothing(quotas: Quotas) -> None:
    tokens = Limit.MODEL_TOKENS_PER_MONTH
    quotas.take(ORG, "payments", tokens, 700, at=AT, cap=1000)
    refused = quotas.take(ORG, "payments", tokens, 301, at=AT, cap=1000)
    assert isinstance(refused, Refused)
    assert refused.resets == datetime(2026, 12, 1, tzinfo=UTC)
    assert quotas.take(ORG, "payments", tokens, 300, at=AT, cap=1000).used == 1000
    assert isinstance(quotas.take(ORG, "payments", tokens, 5, at=AT, cap=0), Refused)


def test_unlimited_is_never_refused_but_still_counted(quotas: Quotas) -> None:
    calls = Limit.PROVIDER_CALLS_PER_HOUR
    for _ in range(3):
        assert isinstance(quotas.take(ORG, "payments", calls, 4, at=AT, cap=None), Taken)
    assert quotas.used(ORG, "payments", calls, at=AT) == 12


def test_each_window_counts_afresh(quotas: Quotas) -> None:
    calls = Limit.PROVIDER_CALLS_PER_HOUR
    quotas.take(ORG, "payments", calls, 1, at=AT, cap=1)
    quotas.take(ORG, "payments", DAY, 1, at=AT, cap=1)
    next_hour = AT + timedelta(hours=1)
    assert isinstance(quotas.take(ORG, "payments", calls, 1, at=next_hour, cap=1), Taken)
    assert isinstance(quotas.take(ORG, "payments", DAY, 1, at=next_hour, cap=1), Refused)
    assert isinstance(quotas.take(ORG, "payments", DAY, 1, at=AT + timedelta(days=1), cap=1), Taken)


def test_counts_are_kept_per_org_and_team(quotas: Quotas) -> None:
    quotas.take(ORG, "payments", DAY, 1, at=AT, cap=1)
    assert isinstance(quotas.take(ORG, "search", DAY, 1, at=AT, cap=1), Taken)
    assert isinstance(quotas.take(OrgId("slack:T2"), "payments", DAY, 1, at=AT, cap=1), Taken)
    assert quotas.used(OrgId("slack:T2"), "search", DAY, at=AT) == 0


def test_running_units_are_given_back_and_never_below_zero(quotas: Quotas) -> None:
    canaries = Limit.CANARIES
    quotas.take(ORG, "payments", canaries, 1, at=AT, cap=1)
    assert isinstance(quotas.take(ORG, "payments", canaries, 1, at=AT, cap=1), Refused)
    quotas.give_back(ORG, "payments", canaries, 1, at=AT + timedelta(days=40))
    quotas.give_back(ORG, "payments", canaries, 1, at=AT)
    assert quotas.used(ORG, "payments", canaries, at=AT) == 0
    assert isinstance(quotas.take(ORG, "payments", canaries, 1, at=AT, cap=1), Taken)


def test_an_orgs_limits_are_kept_and_a_stale_save_is_refused(quotas: Quotas) -> None:
    empty = quotas.book(ORG)
    saved = quotas.save_book(empty.with_cap(None, DAY, 50).with_cap("payments", DAY, None))
    assert quotas.book(ORG) == saved
    assert saved.cap("payments", DAY) is None
    assert saved.cap("search", DAY) == 50
    assert quotas.book(OrgId("slack:T2")) == QuotaBook(org=OrgId("slack:T2"))
    with pytest.raises(ConflictError):
        quotas.save_book(empty.with_cap(None, DAY, 7))


def test_a_spent_limit_is_told_once_per_window_and_again_in_the_next(quotas: Quotas) -> None:
    told = [quotas.tell_once(ORG, "payments", DAY, at=AT + timedelta(hours=h)) for h in (0, 1, 2)]
    assert told == [True, False, False]
    # another team, another limit, the next day: each told once of its own
    assert quotas.tell_once(ORG, "search", DAY, at=AT)
    assert quotas.tell_once(ORG, "payments", Limit.PROVIDER_CALLS_PER_HOUR, at=AT)
    assert quotas.tell_once(ORG, "payments", DAY, at=AT + timedelta(days=1))
    assert not quotas.tell_once(ORG, "payments", DAY, at=AT + timedelta(days=1, hours=3))
