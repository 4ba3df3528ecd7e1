"""Short records by partition and name in the app's DynamoDB table (`pk`, `sk`, `value`): a
swap is a conditional put and a take a delete returning the old item, so each has one winner."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDbRecords:
    """Text values under (partition, name) as items of the app's table."""

    def __init__(self, *, table: str, client: DynamoDBClient | None = None) -> None:
        self._table = table
        self._given = client

    @cached_property
    def _client(self) -> DynamoDBClient:
        """The client given, or one made at first use (never at import or cold start)."""
        return self._given or boto3.client("dynamodb")

    @staticmethod
    def _key(partition: str, name: str) -> dict[str, Any]:
        return {"pk": {"S": partition}, "sk": {"S": name}}

    def get(self, partition: str, name: str) -> str | None:
        """The value stored under (partition, name), if any."""
        found = self._client.get_item(
            TableName=self._table, ConsistentRead=True, Key=self._key(partition, name)
        ).get("Item")
        return found["value"]["S"] if found else None

    def put(self, partition: str, name: str, value: str, *, expires: float | None = None) -> None:
        """Store `value`, replacing what was there; DynamoDB deletes it some time after `expires`
        (epoch seconds, the table's TTL attribute `expiration`), if given."""
        item = {**self._key(partition, name), "value": {"S": value}}
        if expires is not None:
            item["expiration"] = {"N": str(int(expires))}
        self._client.put_item(TableName=self._table, Item=item)

    def swap(self, partition: str, name: str, expected: str | None, value: str) -> bool:
        """Store `value` only if the stored one is still `expected` (None: nothing stored)."""
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        if expected is not None:
            condition = {
                "ConditionExpression": "#value = :expected",
                "ExpressionAttributeNames": {"#value": "value"},
                "ExpressionAttributeValues": {":expected": {"S": expected}},
            }
        item = {**self._key(partition, name), "value": {"S": value}}
        try:
            self._client.put_item(TableName=self._table, Item=item, **condition)
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def take(self, partition: str, name: str) -> str | None:
        """Remove and return the value: of two takers, only one gets it."""
        old = self._client.delete_item(
            TableName=self._table, Key=self._key(partition, name), ReturnValues="ALL_OLD"
        ).get("Attributes")
        return old["value"]["S"] if old else None

    def clear(self, partition: str, prefix: str = "") -> None:
        """Remove every value of the partition whose name starts with `prefix`."""
        for found in self._names(partition, prefix):
            self._client.delete_item(TableName=self._table, Key=self._key(partition, found))

    def _names(self, partition: str, prefix: str) -> Iterator[str]:
        for page in self._client.get_paginator("query").paginate(
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": partition}, ":prefix": {"S": prefix}},
            ProjectionExpression="sk",
        ):
            yield from (found["sk"]["S"] for found in page.get("Items", []))
