"""Canaries in the app's DynamoDB table: `ORG#<org>` / `CANARY#<id>` items, with an `over` flag
so the scheduler's Scan reads only the live ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.adapters.aws import dynamodb_items as items
from shared.canary.models import Canary
from shared.identity.models import OrgId


def _canary(item: dict[str, Any]) -> Canary:
    return Canary.model_validate(items.body(item))


class DynamoDbCanaryStore(items.DynamoDbOrgStore):
    """The CanaryStore port on DynamoDB; the version is checked by a condition expression."""

    def get(self, org: OrgId, canary_id: str) -> Canary | None:
        item = self._get(org, f"CANARY#{canary_id}")
        return _canary(item) if item else None

    def save(self, canary: Canary) -> Canary:
        return self._save_next(
            canary,
            canary.version,
            canary.org,
            f"CANARY#{canary.id}",
            f"canary {canary.id}",
            team=canary.team,
            over=canary.state.over,
        )

    def list_for(self, org: OrgId, team: str) -> Sequence[Canary]:
        found = [c for c in map(_canary, self._query(org, "CANARY#")) if c.team == team]
        return sorted(found, key=lambda c: c.started_at, reverse=True)

    def every(self) -> Sequence[Canary]:
        return [_canary(item) for item in self._scan("CANARY#", unless="over")]
