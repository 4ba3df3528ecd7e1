"""Canaries in the app's DynamoDB table: `ORG#<org>` / `CANARY#<id>` items, with an `over` flag
so the scheduler's Scan reads only the live ones."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3

from shared.adapters.aws import dynamodb_items as items
from shared.canary.models import Canary
from shared.identity.models import OrgId

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _canary(item: dict[str, Any]) -> Canary:
    return Canary.model_validate(items.body(item))


class DynamoDbCanaryStore:
    """The CanaryStore port on DynamoDB; the version is checked by a condition expression."""

    def __init__(self, *, table: str, client: DynamoDBClient | None = None) -> None:
        self._table = table
        self._given = client

    @cached_property
    def _client(self) -> DynamoDBClient:
        """The client given, or one made at first use."""
        return self._given or boto3.client("dynamodb")

    def get(self, org: OrgId, canary_id: str) -> Canary | None:
        item = self._client.get_item(
            TableName=self._table,
            ConsistentRead=True,
            Key={"pk": {"S": f"ORG#{org}"}, "sk": {"S": f"CANARY#{canary_id}"}},
        ).get("Item")
        return _canary(item) if item else None

    def save(self, canary: Canary) -> Canary:
        saved = canary.model_copy(update={"version": canary.version + 1})
        record = items.item(
            f"ORG#{saved.org}",
            f"CANARY#{saved.id}",
            saved,
            team=saved.team,
            over=saved.state.over,
            version=saved.version,
        )
        items.put_versioned(
            self._client, self._table, record, canary.version, f"canary {canary.id}"
        )
        return saved

    def list_for(self, org: OrgId, team: str) -> Sequence[Canary]:
        found: list[Canary] = []
        for page in self._client.get_paginator("query").paginate(
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"ORG#{org}"}, ":prefix": {"S": "CANARY#"}},
        ):
            found += [c for c in map(_canary, page.get("Items", [])) if c.team == team]
        return sorted(found, key=lambda c: c.started_at, reverse=True)

    def every(self) -> Sequence[Canary]:
        found: list[Canary] = []
        for page in self._client.get_paginator("scan").paginate(
            TableName=self._table,
            ConsistentRead=True,
            FilterExpression="begins_with(sk, :prefix) AND #over = :no",
            ExpressionAttributeNames={"#over": "over"},
            ExpressionAttributeValues={":prefix": {"S": "CANARY#"}, ":no": {"BOOL": False}},
        ):
            found += [_canary(item) for item in page.get("Items", [])]
        return found
