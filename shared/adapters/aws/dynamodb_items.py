"""How the app's records sit in its DynamoDB table: `pk`, `sk`, the record as `body`, and a
`version` checked by a condition on every write."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from dynamodb_json import json_util
from pydantic import BaseModel

from shared.errors import ConflictError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Versioned = TypeVar("Versioned", bound=BaseModel)


def item(pk: str, sk: str, model: BaseModel, **extra: object) -> dict[str, Any]:
    """A record as a DynamoDB item (typed attribute values)."""
    found: dict[str, Any] = json_util.dumps(
        {"pk": pk, "sk": sk, "body": model.model_dump(mode="json"), **extra}, as_dict=True
    )
    return found


def body(found: dict[str, Any]) -> dict[str, Any]:
    """The record stored in an item."""
    record: dict[str, Any] = json_util.loads(found, as_dict=True)["body"]
    return record


def expecting(version: int) -> dict[str, Any]:
    """The condition that the stored version is still `version` (0: nothing stored yet)."""
    if version == 0:
        return {"ConditionExpression": "attribute_not_exists(pk)"}
    return {
        "ConditionExpression": "version = :expected",
        "ExpressionAttributeValues": {":expected": {"N": str(version)}},
    }


def put_versioned(
    client: DynamoDBClient, table: str, found: dict[str, Any], version: int, what: str
) -> None:
    """Put `found` if the stored version is still `version`; ConflictError naming `what` if not."""
    try:
        client.put_item(TableName=table, Item=found, **expecting(version))
    except client.exceptions.ConditionalCheckFailedException as error:
        raise ConflictError(f"{what} changed since it was read") from error


class DynamoDbOrgStore:
    """A store of `ORG#<org>` items in the app's table: its client (the one given, or one made
    at first use, never at import or cold start) and its consistent reads."""

    def __init__(self, *, table: str, client: DynamoDBClient | None = None) -> None:
        self._table = table
        self._given = client

    @cached_property
    def _client(self) -> DynamoDBClient:
        """The client given, or one made at first use."""
        return self._given or boto3.client("dynamodb")

    def _get(self, org: str, sk: str) -> dict[str, Any] | None:
        """The org's item with sort key `sk`, if any."""
        found = self._client.get_item(
            TableName=self._table,
            ConsistentRead=True,
            Key={"pk": {"S": f"ORG#{org}"}, "sk": {"S": sk}},
        )
        return found.get("Item")

    def _save_next(
        self, record: Versioned, read: int, org: str, sk: str, what: str, **extra: object
    ) -> Versioned:
        """`record` (read at version `read`) stored as the next version under the org's `sk`,
        with `extra` attributes; ConflictError naming `what` if it changed since it was read."""
        saved = record.model_copy(update={"version": read + 1})
        found = item(f"ORG#{org}", sk, saved, version=read + 1, **extra)
        put_versioned(self._client, self._table, found, read, what)
        return saved

    def _query(
        self, org: str, prefix: str, *, newest_first: int | None = None, page: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """The org's items whose sort key starts with `prefix`, every page of them; with
        `newest_first`, only that many, read from the end of the range backwards, `page` items a
        call (the paginator stops there: never the whole range)."""
        bounded: dict[str, Any] = {}
        if newest_first is not None:
            bounded = {
                "ScanIndexForward": False,
                "PaginationConfig": {"MaxItems": newest_first, "PageSize": page or newest_first},
            }
        for found in self._client.get_paginator("query").paginate(
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"ORG#{org}"}, ":prefix": {"S": prefix}},
            **bounded,
        ):
            yield from found.get("Items", [])

    def _scan(self, prefix: str, *, unless: str | None = None) -> Iterator[dict[str, Any]]:
        """Every org's items whose sort key starts with `prefix`; with `unless`, only those whose
        flag of that name is false (a canary not over, an experiment not ended)."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "ConsistentRead": True,
            "FilterExpression": "begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":prefix": {"S": prefix}},
        }
        if unless is not None:
            query["FilterExpression"] += " AND #flag = :no"
            query["ExpressionAttributeNames"] = {"#flag": unless}
            query["ExpressionAttributeValues"][":no"] = {"BOOL": False}
        for page in self._client.get_paginator("scan").paginate(**query):
            yield from page.get("Items", [])
