"""Alert policies in the app's DynamoDB table: `ORG#<org>` / `ALERT#<team>#<name>` items, and
silences as `ORG#<org>` / `SILENCE#<team>#<id>`.

A team's policies are one Query; the scheduler's view of every policy is a paginated Scan of the
`ALERT#` items (one per minute, reading only policies)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.adapters.aws import dynamodb_items as items
from shared.alerts.models import AlertPolicy, Silence
from shared.errors import NotFoundError
from shared.identity.models import OrgId


class DynamoDbAlertStore(items.DynamoDbOrgStore):
    """The AlertStore port on DynamoDB; a policy's version is checked by a condition expression."""

    def _key(self, org: str, team: str, name: str) -> dict[str, Any]:
        return {"pk": {"S": f"ORG#{org}"}, "sk": {"S": f"ALERT#{team}#{name}"}}

    def get(self, org: OrgId, team: str, name: str) -> AlertPolicy | None:
        item = self._get(org, f"ALERT#{team}#{name}")
        return AlertPolicy.model_validate(items.body(item)) if item else None

    def save(self, policy: AlertPolicy) -> AlertPolicy:
        sk = f"ALERT#{policy.team}#{policy.name}"
        return self._save_next(policy, policy.version, policy.org, sk, f"alert {policy.name}")

    def delete(self, org: OrgId, team: str, name: str) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=self._key(org, team, name),
                ConditionExpression="attribute_exists(pk)",
            )
        except self._client.exceptions.ConditionalCheckFailedException as error:
            raise NotFoundError(f"Team {team} has no alert `{name}`.") from error

    def list_for(self, org: OrgId, team: str) -> Sequence[AlertPolicy]:
        found = [
            AlertPolicy.model_validate(items.body(i)) for i in self._query(org, f"ALERT#{team}#")
        ]
        return sorted(found, key=lambda p: p.name)

    def every(self) -> Sequence[AlertPolicy]:
        return [AlertPolicy.model_validate(items.body(i)) for i in self._scan("ALERT#")]

    def save_silence(self, silence: Silence) -> None:
        record = items.item(f"ORG#{silence.org}", f"SILENCE#{silence.team}#{silence.id}", silence)
        self._client.put_item(TableName=self._table, Item=record)

    def silences(self, org: OrgId, team: str) -> Sequence[Silence]:
        found = [
            Silence.model_validate(items.body(i)) for i in self._query(org, f"SILENCE#{team}#")
        ]
        return sorted(found, key=lambda s: s.starts_at, reverse=True)
