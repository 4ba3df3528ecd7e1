"""Canaries in the app's DynamoDB table: `ORG#<org>` / `CANARY#<id>` items, with an `over` flag
so the scheduler's Scan reads only the live ones. The target a canary holds is a
`CANARYON#<target>` claim naming it (see `dynamodb_claims`), put in one transaction with the
canary's first record and deleted in one with the write that ends it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.adapters.aws import dynamodb_items as items
from shared.adapters.aws.dynamodb_claims import Claims, written_with
from shared.canary.models import Canary
from shared.canary.ports import TargetTakenError
from shared.errors import ConflictError
from shared.identity.models import OrgId


def _canary(item: dict[str, Any]) -> Canary:
    return Canary.model_validate(items.body(item))


class DynamoDbCanaryStore(items.DynamoDbOrgStore):
    """The CanaryStore port on DynamoDB; the version is checked by a condition expression, in one
    transaction with the claim of its target (or its release) where a write makes one."""

    def get(self, org: OrgId, canary_id: str) -> Canary | None:
        item = self._get(org, f"CANARY#{canary_id}")
        return _canary(item) if item else None

    def save(self, canary: Canary) -> Canary:
        claims = canary.version == 0 and not canary.state.over
        if not claims and not canary.state.over:
            return self._put(canary)
        saved = canary.model_copy(update={"version": canary.version + 1})
        record = items.item(
            f"ORG#{saved.org}",
            f"CANARY#{saved.id}",
            saved,
            version=saved.version,
            team=saved.team,
            over=saved.state.over,
        )
        put = {"TableName": self._table, "Item": record, **items.expecting(canary.version)}
        change = (self._claims.claim if claims else self._claims.release)(
            canary.org, canary.target, canary.id
        )
        if written_with(self._client, put, change, f"canary {canary.id}"):
            return saved
        if claims:
            raise self._taken(canary)
        return self._put(canary)  # its claim released before (it ended once already)

    @property
    def _claims(self) -> Claims:
        return Claims(self._table, prefix="CANARYON", attribute="canary")

    def _put(self, canary: Canary) -> Canary:
        """The canary's record alone, as its next version."""
        return self._save_next(
            canary,
            canary.version,
            canary.org,
            f"CANARY#{canary.id}",
            f"canary {canary.id}",
            team=canary.team,
            over=canary.state.over,
        )

    def _taken(self, canary: Canary) -> ConflictError:
        """Why its claim failed: the canary holding the target (gone since: try again)."""
        found = self._claims.holder(self._client, canary.org, canary.target)
        holder = self.get(OrgId(canary.org), found) if found else None
        if holder is None:
            return ConflictError(
                f"another canary on {canary.target} ended as this one started: start it again"
            )
        return TargetTakenError(holder)

    def list_for(self, org: OrgId, team: str) -> Sequence[Canary]:
        found = [c for c in map(_canary, self._query(org, "CANARY#")) if c.team == team]
        return sorted(found, key=lambda c: c.started_at, reverse=True)

    def every(self) -> Sequence[Canary]:
        return [_canary(item) for item in self._scan("CANARY#", unless="over")]
