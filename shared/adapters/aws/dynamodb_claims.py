"""One holder at a time for a key of an org (a service under a chaos experiment, a target under a
canary): an `ORG#<org>` / `<PREFIX>#<key>` item naming its holder, put (on condition that none
exists) in one transaction with the holder's first record, deleted (on condition that it still
names it) in one with the write that ends it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.errors import ConflictError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class Claims:
    """The claims of one kind (`prefix`) in the app's table `table_name`, their holder named
    by `attribute`: the items' shapes; the calls are the store's."""

    def __init__(self, table_name: str, *, prefix: str, attribute: str) -> None:
        self._table = table_name
        self._prefix = prefix
        self._attribute = attribute

    def key(self, org: str, claimed: str) -> dict[str, Any]:
        """The claim item's key."""
        return {"pk": {"S": f"ORG#{org}"}, "sk": {"S": f"{self._prefix}#{claimed}"}}

    def claim(self, org: str, claimed: str, holder: str) -> dict[str, Any]:
        """The put that claims `claimed` for `holder`, if no one holds it."""
        found = {**self.key(org, claimed), self._attribute: {"S": holder}}
        return {
            "Put": {
                "TableName": self._table,
                "Item": found,
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def release(self, org: str, claimed: str, holder: str) -> dict[str, Any]:
        """The delete of the claim of `claimed`, if `holder` still holds it."""
        return {
            "Delete": {
                "TableName": self._table,
                "Key": self.key(org, claimed),
                "ConditionExpression": "#holder = :id",
                "ExpressionAttributeNames": {"#holder": self._attribute},
                "ExpressionAttributeValues": {":id": {"S": holder}},
            }
        }

    def holder(self, client: DynamoDBClient, org: str, claimed: str) -> str | None:
        """Who holds `claimed` now, if anyone."""
        found = client.get_item(
            TableName=self._table, ConsistentRead=True, Key=self.key(org, claimed)
        ).get("Item")
        return str(found[self._attribute]["S"]) if found else None


def written_with(
    client: DynamoDBClient, put: dict[str, Any], change: dict[str, Any], what: str
) -> bool:
    """Put the versioned record `put` and make the claim `change` in one transaction: whether
    both were written; ConflictError naming `what` when the record changed since it was read,
    False when only the claim's condition failed (held by another, or released already)."""
    transaction: Any = [{"Put": put}, change]
    try:
        client.transact_write_items(TransactItems=transaction)
    except client.exceptions.TransactionCanceledException as error:
        reasons = error.response.get("CancellationReasons", [])
        if reasons[:1] and reasons[0].get("Code") == "ConditionalCheckFailed":
            raise ConflictError(f"{what} changed since it was read") from error
        return False
    return True
