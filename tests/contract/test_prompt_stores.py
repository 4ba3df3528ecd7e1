"""One contract for the VariantStore and FeedbackStore ports: memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_prompts import DynamoDbFeedbackStore, DynamoDbVariantStore
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_prompts import SqliteFeedbackStore, SqliteVariantStore
from shared.adapters.memory import InMemoryFeedbackStore, InMemoryVariantStore
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.prompts.models import (
    Feedback,
    Template,
    Variant,
    VariantContent,
    VariantKind,
    Verdict,
)
from shared.prompts.ports import FeedbackStore, VariantStore
from tests.support import NOW
from tests.support.aws import create_table

ORG = OrgId("T1")
Stores = tuple[VariantStore, FeedbackStore]


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    if request.param == "memory":
        yield InMemoryVariantStore(), InMemoryFeedbackStore()
    elif request.param == "sqlite":
        db = SqliteDatabase(tmp_path / "autosre.db")
        yield SqliteVariantStore(db), SqliteFeedbackStore(db)
    else:
        with mock_aws():
            table, client = create_table(), boto3.client("dynamodb")
            yield (
                DynamoDbVariantStore(table=table, client=client),
                DynamoDbFeedbackStore(table=table, client=client),
            )


def variant(name: str, version: int = 1, org: str = ORG) -> Variant:
    content = VariantContent(kind=VariantKind.TEMPLATE, template=Template.TIMELINE_FIRST)
    return Variant(
        org=org, name=name, version=version, content=content, created_by="rey", created_at=NOW
    )


def feedback(by: str, verdict: Verdict, minutes: int = 0, inv: str = "inv-1") -> Feedback:
    return Feedback(
        org=ORG,
        team="payments",
        investigation_id=inv,
        by=by,
        verdict=verdict,
        narrated_by="cause-first v1 · 3f9c2a1b7d0e",
        at=NOW + timedelta(minutes=minutes),
        comment="the deploy was not it" if verdict is Verdict.WRONG else "",
    )


def test_versions_are_kept_by_name_then_version_and_only_the_orgs_own(stores: Stores) -> None:
    variants, _ = stores
    variants.add(variant("timeline", 2))
    variants.add(variant("brief"))
    variants.add(variant("timeline", 1))
    variants.add(variant("timeline", 1, org="T2"))
    found = [(v.name, v.version) for v in variants.list_for(ORG)]
    assert found == [("brief", 1), ("timeline", 1), ("timeline", 2)]
    assert variants.list_for(ORG)[0] == variant("brief")


def test_a_version_is_added_once(stores: Stores) -> None:
    variants, _ = stores
    variants.add(variant("timeline"))
    with pytest.raises(ConflictError):
        variants.add(variant("timeline").model_copy(update={"created_by": "kim"}))
    assert [v.created_by for v in variants.list_for(ORG)] == ["rey"]


def test_a_retired_version_stays_in_history_with_its_retirement(stores: Stores) -> None:
    variants, _ = stores
    variants.add(variant("timeline"))
    variants.retire(variant("timeline").model_copy(update={"retired_at": NOW}))
    (kept,) = variants.list_for(ORG)
    assert kept.retired_at == NOW


def test_feedback_is_kept_once_per_person_and_the_first_stands(stores: Stores) -> None:
    _, kept = stores
    assert kept.add(feedback("rey", Verdict.HELPFUL)) is None
    assert kept.add(feedback("kim", Verdict.WRONG, minutes=1)) is None
    earlier = kept.add(feedback("rey", Verdict.WRONG, minutes=2))
    assert earlier == feedback("rey", Verdict.HELPFUL)
    found = kept.for_investigation(ORG, "inv-1")
    assert [(f.by, f.verdict) for f in found] == [("rey", Verdict.HELPFUL), ("kim", Verdict.WRONG)]
    assert found[1].comment == "the deploy was not it"


def test_feedback_is_listed_per_investigation_and_per_org(stores: Stores) -> None:
    _, kept = stores
    kept.add(feedback("rey", Verdict.HELPFUL, inv="inv-1"))
    kept.add(feedback("rey", Verdict.WRONG, minutes=1, inv="inv-12"))
    assert [f.investigation_id for f in kept.for_investigation(ORG, "inv-1")] == ["inv-1"]
    assert [f.investigation_id for f in kept.list_for(ORG)] == ["inv-1", "inv-12"]
    assert kept.list_for(OrgId("T2")) == []
