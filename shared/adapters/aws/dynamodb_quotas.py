"""The Quotas port on the app's DynamoDB table: one item per (org, team, limit, window), taken
by `UpdateItem` with `ADD used :n` under a condition, so racing functions never pass a cap
together; a window's item expires (TTL) a day after the window ends."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.adapters.aws.dynamodb_items import DynamoDbOrgStore, body
from shared.identity.models import OrgId
from shared.quotas.models import Cap, Limit, QuotaBook, Refused, Taken, counted, room

_BOOK = "QUOTAS"


def _sk(team: str, limit: Limit, at: datetime) -> str:
    return f"QUOTA#{team}#{limit.value}#{limit.window.key(at)}"


class DynamoDbQuotas(DynamoDbOrgStore):
    """Counters and books as `ORG#<org>` items of the app's table."""

    def take(
        self, org: OrgId, team: str, limit: Limit, amount: int, *, at: datetime, cap: Cap
    ) -> Taken | Refused:
        most = room(cap, amount)
        if most is not None and most < 0:
            return counted(limit, self.used(org, team, limit, at=at), cap, taken=False, at=at)
        update = self._update(org, _sk(team, limit, at), amount, expires=limit.window.resets(at))
        if most is not None:
            update["ConditionExpression"] = "attribute_not_exists(used) OR used <= :room"
            update["ExpressionAttributeValues"][":room"] = {"N": str(most)}
        try:
            found = self._client.update_item(**update)
        except self._client.exceptions.ConditionalCheckFailedException:
            return counted(limit, self.used(org, team, limit, at=at), cap, taken=False, at=at)
        return counted(limit, int(found["Attributes"]["used"]["N"]), cap, taken=True, at=at)

    def give_back(self, org: OrgId, team: str, limit: Limit, amount: int, *, at: datetime) -> None:
        update = self._update(org, _sk(team, limit, at), -amount, expires=None)
        update["ConditionExpression"] = "used >= :back"
        update["ExpressionAttributeValues"][":back"] = {"N": str(amount)}
        try:
            self._client.update_item(**update)
        except self._client.exceptions.ConditionalCheckFailedException:
            return  # nothing (or less) was counted: a count never goes below zero

    def used(self, org: OrgId, team: str, limit: Limit, *, at: datetime) -> int:
        found = self._get(org, _sk(team, limit, at))
        return int(found["used"]["N"]) if found and "used" in found else 0

    def tell_once(self, org: OrgId, team: str, limit: Limit, *, at: datetime) -> bool:
        sk = f"QUOTATOLD#{team}#{limit.value}#{limit.window.key(at)}"
        item: dict[str, Any] = {"pk": {"S": f"ORG#{org}"}, "sk": {"S": sk}}
        resets = limit.window.resets(at)
        if resets is not None:  # expires (TTL) a day after its window ends
            item["expiration"] = {"N": str(int((resets + timedelta(days=1)).timestamp()))}
        try:
            self._client.put_item(
                TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(sk)"
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def book(self, org: OrgId) -> QuotaBook:
        found = self._get(org, _BOOK)
        return QuotaBook.model_validate(body(found)) if found else QuotaBook(org=org)

    def save_book(self, book: QuotaBook) -> QuotaBook:
        return self._save_next(book, book.version, book.org, _BOOK, f"the quotas of {book.org}")

    def _update(
        self, org: str, sk: str, amount: int, *, expires: datetime | None
    ) -> dict[str, Any]:
        """An `ADD used :n` of the item (with its expiry, a day after its window ends)."""
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"pk": {"S": f"ORG#{org}"}, "sk": {"S": sk}},
            "UpdateExpression": "ADD used :n",
            "ExpressionAttributeValues": {":n": {"N": str(amount)}},
            "ReturnValues": "UPDATED_NEW",
        }
        if expires is not None:
            update["UpdateExpression"] += " SET expiration = :expires"
            at = int((expires + timedelta(days=1)).timestamp())
            update["ExpressionAttributeValues"][":expires"] = {"N": str(at)}
        return update
