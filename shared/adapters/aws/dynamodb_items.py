"""How the app's records sit in its DynamoDB table: `pk`, `sk`, the record as `body`, and a
`version` checked by a condition on every write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dynamodb_json import json_util
from pydantic import BaseModel

from shared.errors import ConflictError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


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
