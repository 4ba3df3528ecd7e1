"""Investigations in the app's DynamoDB table: `ORG#<org>` / `INV#<team>#<opened>#<id>` items.

The sort key puts a team's investigations together in the order they were opened, so its newest
are one Query read backwards and stopped at the bound; a small pointer item `ORG#<org>` /
`INVID#<id>` finds one by its id, and a small sparse item `ORG#<org>` /
`OPEN#<team>#<opened>#<id>` exists while it is open, so a team's open ones are found however old
they are. Both are written (or the open one deleted) in the record's own transaction: a refused
write leaves neither behind. Investigations saved before the open items existed get theirs at
their team's first read of its open ones (once; `OPENINDEXED#<team>` marks it done). Each team an
investigation was escalated to has an `ASKED#<team>#<opened>#<id>` item, written in the same
transaction at every save (at most MAX_ASKED of them, within DynamoDB's 100 items a transaction),
so a team's list finds what it was asked to help with; one escalated before these items existed
gets its item at its next save (a comment, a join).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.adapters.aws import dynamodb_items as items
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.investigations.models import Investigation, InvestigationStatus
from shared.investigations.ports import MAX_ASKED, MAX_OPEN

PAGE = 25
"""The most investigations one Query page of `recent` reads (each item is tens of KB)."""


def _opened(investigation: Investigation) -> str:
    return f"{investigation.team}#{_when(investigation)}"


def _when(investigation: Investigation) -> str:
    return f"{investigation.opened_at.isoformat()}#{investigation.id}"


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
        pk, sk = f"ORG#{saved.org}", f"INV#{_opened(saved)}"
        record = items.item(pk, sk, saved, version=saved.version)
        pointer = {"pk": {"S": pk}, "sk": {"S": f"INVID#{saved.id}"}, "target": {"S": sk}}
        opened = {"pk": {"S": pk}, "sk": {"S": f"OPEN#{_opened(saved)}"}}
        transaction: Any = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": record,
                    **items.expecting(investigation.version),
                }
            },
            {  # a new one's id must be free: its record's key (its opening time) may differ
                "Put": {
                    "TableName": self._table,
                    "Item": pointer,
                    **(items.expecting(0) if investigation.version == 0 else {}),
                }
            },
            {"Put": {"TableName": self._table, "Item": {**opened, "target": {"S": sk}}}}
            if saved.status is InvestigationStatus.OPEN
            else {"Delete": {"TableName": self._table, "Key": opened}},
        ]
        for team in saved.shared_with[:MAX_ASKED]:
            asked = {
                "pk": {"S": pk},
                "sk": {"S": f"ASKED#{team}#{_when(saved)}"},
                "target": {"S": sk},
            }
            transaction.append({"Put": {"TableName": self._table, "Item": asked}})
        try:
            self._client.transact_write_items(TransactItems=transaction)
        except self._client.exceptions.TransactionCanceledException as error:
            raise ConflictError(f"investigation {saved.id} changed since it was read") from error
        return saved

    def recent(self, org: OrgId, team: str, *, newest: int) -> Sequence[Investigation]:
        return [
            _from_item(item)
            for item in self._query(
                org, f"INV#{team}#", newest_first=newest, page=min(newest, PAGE)
            )
        ]

    def open_for(self, org: OrgId, team: str) -> Sequence[Investigation]:
        self._indexed(org, team)
        pointers = self._query(org, f"OPEN#{team}#", newest_first=MAX_OPEN, page=MAX_OPEN)
        found = (self._get(org, pointer["target"]["S"]) for pointer in pointers)
        read = [_from_item(item) for item in found if item is not None]
        # a release before the open items resolves without deleting one: its record says so
        return [i for i in read if i.status is InvestigationStatus.OPEN]

    def asked_of(self, org: OrgId, team: str, *, newest: int) -> Sequence[Investigation]:
        pointers = self._query(org, f"ASKED#{team}#", newest_first=newest, page=newest)
        found = (self._get(org, pointer["target"]["S"]) for pointer in pointers)
        return [_from_item(item) for item in found if item is not None]

    def _indexed(self, org: OrgId, team: str) -> None:
        """The team's open ones indexed, once: those saved before the `OPEN#` items existed get
        theirs at the team's first open read (the one read of its whole range, then a marker
        item `OPENINDEXED#<team>`), each only if its record is unchanged since it was read."""
        marker = f"OPENINDEXED#{team}"
        if self._get(org, marker) is not None:
            return
        for item in self._query(org, f"INV#{team}#"):
            found = _from_item(item)
            if found.status is InvestigationStatus.OPEN:
                self._index(found, item["sk"]["S"])
        self._client.put_item(
            TableName=self._table, Item={"pk": {"S": f"ORG#{org}"}, "sk": {"S": marker}}
        )

    def _index(self, investigation: Investigation, sk: str) -> None:
        """`investigation`'s open item, unless its record changed since it was read (its own
        save then wrote or deleted that item)."""
        pk = {"S": f"ORG#{investigation.org}"}
        check = {"TableName": self._table, "Key": {"pk": pk, "sk": {"S": sk}}}
        opened = {"pk": pk, "sk": {"S": f"OPEN#{_opened(investigation)}"}, "target": {"S": sk}}
        transaction: Any = [
            {"ConditionCheck": {**check, **items.expecting(investigation.version)}},
            {"Put": {"TableName": self._table, "Item": opened}},
        ]
        try:
            self._client.transact_write_items(TransactItems=transaction)
        except self._client.exceptions.TransactionCanceledException:
            return


def _from_item(item: dict[str, Any]) -> Investigation:
    return Investigation.model_validate(items.body(item))
