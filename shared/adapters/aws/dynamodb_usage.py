"""The UsageLedger port on the app's DynamoDB table: one item per (org, month, team, kind),
added to by `UpdateItem` with `ADD count :n` (atomic), kept after its month for chargeback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.adapters.aws.dynamodb_items import DynamoDbOrgStore
from shared.identity.models import OrgId
from shared.quotas.usage import UsageKind, UsageLine, month_of


class DynamoDbUsageLedger(DynamoDbOrgStore):
    """Monthly counts as `ORG#<org>` items `USAGE#<month>#<kind>#<team>`; each month's summary
    told as `USAGESUMMARY#<month>` (put only if absent)."""

    def add(self, org: OrgId, team: str, kind: UsageKind, amount: int, *, at: datetime) -> None:
        values = {":n": {"N": str(amount)}, ":team": {"S": team}}
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": {
                "pk": {"S": f"ORG#{org}"},
                "sk": {"S": f"USAGE#{month_of(at)}#{kind.value}#{team}"},
            },
            "UpdateExpression": "ADD #count :n SET #team = :team",
            "ExpressionAttributeNames": {"#count": "count", "#team": "team"},
            "ExpressionAttributeValues": values,
        }
        if amount < 0:  # a count given back never takes a record below zero
            update["ConditionExpression"] = "#count >= :back"
            values[":back"] = {"N": str(-amount)}
        try:
            self._client.update_item(**update)
        except self._client.exceptions.ConditionalCheckFailedException:
            self._client.update_item(  # more given back than counted: the record ends at zero
                TableName=self._table,
                Key=update["Key"],
                UpdateExpression="SET #count = :zero",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={":zero": {"N": "0"}},
            )

    def month(self, org: OrgId, month: str) -> list[UsageLine]:
        lines = [
            UsageLine(
                team=item["team"]["S"],
                month=month,
                kind=UsageKind(item["sk"]["S"].split("#")[2]),
                count=int(item["count"]["N"]),
            )
            for item in self._query(org, f"USAGE#{month}#")
        ]
        return sorted(lines, key=lambda line: (line.team, line.kind.value))

    def claim_summary(self, org: OrgId, month: str) -> bool:
        key = {"pk": {"S": f"ORG#{org}"}, "sk": {"S": f"USAGESUMMARY#{month}"}}
        try:
            self._client.put_item(
                TableName=self._table, Item=key, ConditionExpression="attribute_not_exists(sk)"
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release_summary(self, org: OrgId, month: str) -> None:
        key = {"pk": {"S": f"ORG#{org}"}, "sk": {"S": f"USAGESUMMARY#{month}"}}
        self._client.delete_item(TableName=self._table, Key=key)
