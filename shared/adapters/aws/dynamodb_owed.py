"""The OwedEntries port on the app's DynamoDB table: `ORG#<org>` items `OWED#<time>#<id>`, so a
query reads an org's owed entries in the order of their times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.adapters.aws import dynamodb_items as items
from shared.audit.models import AuditDraft
from shared.audit.owed import owed_order
from shared.identity.models import OrgId


def _draft(item: dict[str, Any]) -> AuditDraft:
    return AuditDraft.model_validate(items.body(item))


class DynamoDbOwedEntries(items.DynamoDbOrgStore):
    """Owed audit entries in the app's table, one item each."""

    def owe(self, draft: AuditDraft) -> None:
        record = items.item(f"ORG#{draft.org}", _sk(draft), draft)
        self._client.put_item(TableName=self._table, Item=record)  # the same id: the same item

    def owed(self, org: OrgId | None = None) -> Sequence[AuditDraft]:
        if org is not None:
            return [_draft(item) for item in self._query(org, "OWED#")]
        found = [_draft(item) for item in self._scan("OWED#")]
        return sorted(found, key=owed_order)

    def paid(self, draft: AuditDraft) -> None:
        self._client.delete_item(
            TableName=self._table,
            Key={"pk": {"S": f"ORG#{draft.org}"}, "sk": {"S": _sk(draft)}},
        )


def _sk(draft: AuditDraft) -> str:
    return f"OWED#{owed_order(draft)}#{draft.id}"
