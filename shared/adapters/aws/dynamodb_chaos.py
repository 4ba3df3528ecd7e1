"""Chaos experiments in the app's DynamoDB table: `ORG#<org>` / `CHAOS#<id>` items, with an
`ended` flag so the scheduler's Scan reads only the experiments not yet ended (like canaries);
game days (`CHAOSDAY#<id>`) and verified resilience (`CHAOSOK#<team>#<key>`) beside them."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3

from shared.adapters.aws import dynamodb_items as items
from shared.chaos.models import Experiment, ExperimentState, LeverState, VerifiedResilience
from shared.chaos.schedules import GameDay
from shared.identity.models import OrgId

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _experiment(item: dict[str, Any]) -> Experiment:
    return Experiment.model_validate(items.body(item))


class DynamoDbChaosStore:
    """The ChaosStore port on DynamoDB; the version is checked by a condition expression."""

    def __init__(self, *, table: str, client: DynamoDBClient | None = None) -> None:
        self._table = table
        self._given = client

    @cached_property
    def _client(self) -> DynamoDBClient:
        """The client given, or one made at first use."""
        return self._given or boto3.client("dynamodb")

    def get(self, org: OrgId, experiment_id: str) -> Experiment | None:
        item = self._client.get_item(
            TableName=self._table,
            ConsistentRead=True,
            Key={"pk": {"S": f"ORG#{org}"}, "sk": {"S": f"CHAOS#{experiment_id}"}},
        ).get("Item")
        return _experiment(item) if item else None

    def save(self, experiment: Experiment) -> Experiment:
        saved = experiment.model_copy(update={"version": experiment.version + 1})
        record = items.item(
            f"ORG#{saved.org}",
            f"CHAOS#{saved.id}",
            saved,
            team=saved.team,
            ended=saved.state is ExperimentState.ENDED,
            version=saved.version,
        )
        items.put_versioned(
            self._client, self._table, record, experiment.version, f"experiment {experiment.id}"
        )
        return saved

    def halt_record(self, org: OrgId) -> LeverState:
        item = self._client.get_item(
            TableName=self._table,
            ConsistentRead=True,
            Key={"pk": {"S": f"ORG#{org}"}, "sk": {"S": "CHAOSHALT"}},
        ).get("Item")
        return LeverState.model_validate(items.body(item)) if item else LeverState(engaged=False)

    def keep_halt_record(self, org: OrgId, state: LeverState) -> None:
        record = items.item(f"ORG#{org}", "CHAOSHALT", state)
        self._client.put_item(TableName=self._table, Item=record)

    def _query(self, org: OrgId, prefix: str) -> list[dict[str, Any]]:
        """The org's items whose sort key starts with `prefix`."""
        found: list[dict[str, Any]] = []
        for page in self._client.get_paginator("query").paginate(
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"ORG#{org}"}, ":prefix": {"S": prefix}},
        ):
            found += page.get("Items", [])
        return found

    def _scan(self, prefix: str, *, live_only: bool) -> list[dict[str, Any]]:
        """Every org's items whose sort key starts with `prefix` (only those not ended)."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "ConsistentRead": True,
            "FilterExpression": "begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":prefix": {"S": prefix}},
        }
        if live_only:
            query["FilterExpression"] += " AND #ended = :no"
            query["ExpressionAttributeNames"] = {"#ended": "ended"}
            query["ExpressionAttributeValues"][":no"] = {"BOOL": False}
        found: list[dict[str, Any]] = []
        for page in self._client.get_paginator("scan").paginate(**query):
            found += page.get("Items", [])
        return found

    def list_for(self, org: OrgId, team: str) -> Sequence[Experiment]:
        found = [x for x in map(_experiment, self._query(org, "CHAOS#")) if x.team == team]
        return sorted(found, key=lambda x: x.started_at, reverse=True)

    def every(self) -> Sequence[Experiment]:
        return [_experiment(item) for item in self._scan("CHAOS#", live_only=True)]

    def keep_verified(self, result: VerifiedResilience) -> None:
        record = items.item(f"ORG#{result.org}", f"CHAOSOK#{result.team}#{result.key}", result)
        self._client.put_item(TableName=self._table, Item=record)

    def verified(self, org: OrgId, team: str) -> Sequence[VerifiedResilience]:
        found = [
            VerifiedResilience.model_validate(items.body(item))
            for item in self._query(org, f"CHAOSOK#{team}#")
        ]
        return sorted(found, key=lambda v: v.at, reverse=True)

    def save_game_day(self, game_day: GameDay) -> GameDay:
        saved = game_day.model_copy(update={"version": game_day.version + 1})
        record = items.item(
            f"ORG#{saved.org}", f"CHAOSDAY#{saved.id}", saved, version=saved.version
        )
        items.put_versioned(
            self._client, self._table, record, game_day.version, f"game day {game_day.id}"
        )
        return saved

    def game_days(self, org: OrgId, team: str) -> Sequence[GameDay]:
        found = [GameDay.model_validate(items.body(item)) for item in self._query(org, "CHAOSDAY#")]
        return sorted(
            (g for g in found if g.team == team), key=lambda g: g.created_at, reverse=True
        )

    def every_game_day(self) -> Sequence[GameDay]:
        return [
            GameDay.model_validate(items.body(item))
            for item in self._scan("CHAOSDAY#", live_only=False)
        ]

    def remove_game_day(self, org: OrgId, game_day_id: str) -> bool:
        gone = self._client.delete_item(
            TableName=self._table,
            Key={"pk": {"S": f"ORG#{org}"}, "sk": {"S": f"CHAOSDAY#{game_day_id}"}},
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in gone
