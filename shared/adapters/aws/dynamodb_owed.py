"""The OwedEntries port on the app's DynamoDB table: `ORG#<org>` items `OWED#<time>#<id>`, so a
query reads an org's owed entries in the order of their times; `tick` (a per-process increasing
number) keeps the order owed within a time. A claim is a conditional update of the item."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.adapters.aws import dynamodb_items as items
from shared.audit.models import AuditDraft
from shared.audit.owed import LEASE, Claim, moment_text, owed_order
from shared.identity.models import OrgId


class _Ticks:
    """Numbers each larger than the last this process gave (nanoseconds of the wall clock, or
    one more): the tie-breaker that keeps entries of one time in the order they were owed (two
    processes owing at the same time: in wall-clock order)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        """The next number."""
        with self._lock:
            self._last = max(self._last + 1, time.time_ns())
            return self._last


_TICKS = _Ticks()


def _draft(item: dict[str, Any]) -> AuditDraft:
    return AuditDraft.model_validate(items.body(item))


def _order(item: dict[str, Any]) -> tuple[str, int]:
    return str(item["sk"]["S"]).split("#")[1], int(item.get("tick", {"N": "0"})["N"])


class DynamoDbOwedEntries(items.DynamoDbOrgStore):
    """Owed audit entries in the app's table, one item each."""

    def owe(self, draft: AuditDraft) -> None:
        record = items.item(f"ORG#{draft.org}", _sk(draft), draft)
        record["tick"] = {"N": str(_TICKS.next())}
        try:  # the same id again: the item (and its claim) kept as it is
            self._client.put_item(
                TableName=self._table, Item=record, ConditionExpression="attribute_not_exists(pk)"
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return

    def owed(self, org: OrgId | None = None) -> Sequence[AuditDraft]:
        found = self._query(org, "OWED#") if org is not None else self._scan("OWED#")
        return [_draft(item) for item in sorted(found, key=_order)]

    def claim(self, draft: AuditDraft, *, now: datetime, seen: int) -> Claim | None:
        try:
            old = self._client.update_item(
                TableName=self._table,
                Key=_key(draft),
                UpdateExpression="SET claimed_until = :until, seen = if_not_exists(seen, :seen)",
                ConditionExpression=(
                    "attribute_exists(pk) AND "
                    "(attribute_not_exists(claimed_until) OR claimed_until <= :now)"
                ),
                ExpressionAttributeValues={
                    ":until": {"S": moment_text(now + LEASE)},
                    ":now": {"S": moment_text(now)},
                    ":seen": {"N": str(seen)},
                },
                ReturnValues="ALL_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return None
        first = old.get("Attributes", {}).get("seen")
        return Claim(seen=None if first is None else int(first["N"]))

    def release(self, draft: AuditDraft) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(draft),
                UpdateExpression="REMOVE claimed_until",
                ConditionExpression="attribute_exists(pk)",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return  # paid meanwhile: nothing to let go

    def paid(self, draft: AuditDraft) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(draft))


def _key(draft: AuditDraft) -> dict[str, Any]:
    return {"pk": {"S": f"ORG#{draft.org}"}, "sk": {"S": _sk(draft)}}


def _sk(draft: AuditDraft) -> str:
    return f"OWED#{owed_order(draft)}#{draft.id}"
