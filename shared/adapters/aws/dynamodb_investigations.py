"""Investigations in the app's DynamoDB table: `ORG#<org>` / `INV#<team>#<opened>#<id>` items.

The sort key puts a team's investigations together, newest last, so listing them is one Query;
a small pointer item `ORG#<org>` / `INVID#<id>` finds one by its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.adapters.aws import dynamodb_items as items
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.investigations.models import Investigation


def _sk(investigation: Investigation) -> str:
    return f"INV#{investigation.team}#{investigation.opened_at.isoformat()}#{investigation.id}"


class DynamoDbInvestigationStore(items.DynamoDbOrgStore):
    """The InvestigationStore port on DynamoDB, versions checked by condition expressions."""

    def get(self, org: OrgId, investigation_id: str) -> Investigation | None:
        pointer = self._get(org, f"INVID#{investigation_id}")
        if pointer is None:
            return None
        item = self._get(org, pointer["target"]["S"])
        return _from_item(item) if item else None

    def save(self, investigation: Investigation) -> Investigation:
        saved = investigation.model_copy(update={"version": investigation.version + 1})
        pk, sk = f"ORG#{saved.org}", _sk(saved)
        record = items.item(pk, sk, saved, version=saved.version)
        pointer = {"pk": {"S": pk}, "sk": {"S": f"INVID#{saved.id}"}, "target": {"S": sk}}
        try:
            transaction: Any = [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": record,
                        **items.expecting(investigation.version),
                    }
                },
                {"Put": {"TableName": self._table, "Item": pointer}},
            ]
            self._client.transact_write_items(TransactItems=transaction)
        except self._client.exceptions.TransactionCanceledException as error:
            raise ConflictError(f"investigation {saved.id} changed since it was read") from error
        return saved

    def list_for(self, org: OrgId, team: str) -> Sequence[Investigation]:
        found = [_from_item(item) for item in self._query(org, f"INV#{team}#")]
        return sorted(found, key=lambda i: i.opened_at, reverse=True)


def _from_item(item: dict[str, Any]) -> Investigation:
    return Investigation.model_validate(items.body(item))
