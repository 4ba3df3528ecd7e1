"""Canaries in the app's DynamoDB table: `ORG#<org>` / `CANARY#<id>` items, with an `over` flag
so the scheduler's Scan reads only the live ones."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from dynamodb_json import json_util

from shared.canary.models import Canary
from shared.errors import ConflictError
from shared.identity.models import OrgId

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _canary(item: dict[str, Any]) -> Canary:
    return Canary.model_validate(json_util.loads(item, as_dict=True)["body"])


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
        item: dict[str, Any] = json_util.dumps(
            {
                "pk": f"ORG#{saved.org}",
                "sk": f"CANARY#{saved.id}",
                "team": saved.team,
                "over": saved.state.over,
                "body": saved.model_dump(mode="json"),
                "version": saved.version,
            },
            as_dict=True,
        )
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if canary.version == 0
            else {
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": str(canary.version)}},
            }
        )
        try:
            self._client.put_item(TableName=self._table, Item=item, **condition)
        except self._client.exceptions.ConditionalCheckFailedException as error:
            raise ConflictError(f"canary {canary.id} changed since it was read") from error
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
