"""Chaos experiments in the app's DynamoDB table: `ORG#<org>` / `CHAOS#<id>` items, with an
`ended` flag so the scheduler's Scan reads only the experiments not yet ended (like canaries)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3

from shared.adapters.aws import dynamodb_items as items
from shared.chaos.models import Experiment, ExperimentState
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

    def list_for(self, org: OrgId, team: str) -> Sequence[Experiment]:
        found: list[Experiment] = []
        for page in self._client.get_paginator("query").paginate(
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"ORG#{org}"}, ":prefix": {"S": "CHAOS#"}},
        ):
            found += [x for x in map(_experiment, page.get("Items", [])) if x.team == team]
        return sorted(found, key=lambda x: x.started_at, reverse=True)

    def every(self) -> Sequence[Experiment]:
        found: list[Experiment] = []
        for page in self._client.get_paginator("scan").paginate(
            TableName=self._table,
            ConsistentRead=True,
            FilterExpression="begins_with(sk, :prefix) AND #ended = :no",
            ExpressionAttributeNames={"#ended": "ended"},
            ExpressionAttributeValues={":prefix": {"S": "CHAOS#"}, ":no": {"BOOL": False}},
        ):
            found += [_experiment(item) for item in page.get("Items", [])]
        return found
