"""Chaos experiments in the app's DynamoDB table: `ORG#<org>` / `CHAOS#<id>` items, with an
`ended` flag so the scheduler's Scan reads only the experiments not yet ended (like canaries);
game days (`CHAOSDAY#<id>`) and verified resilience (`CHAOSOK#<team>#<key>`) beside them. The
service an experiment holds is a `CHAOSON#<service key>` item naming it, put in one transaction
with the experiment's first record (on condition that none exists) and deleted in one with the
write that ends it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.adapters.aws import dynamodb_items as items
from shared.adapters.aws.dynamodb_claims import Claims, written_with
from shared.chaos.models import Experiment, LeverState, VerifiedResilience
from shared.chaos.ports import ServiceTakenError
from shared.chaos.schedules import GameDay
from shared.errors import ConflictError
from shared.identity.models import OrgId


def _experiment(item: dict[str, Any]) -> Experiment:
    return Experiment.model_validate(items.body(item))


class DynamoDbChaosStore(items.DynamoDbOrgStore):
    """The ChaosStore port on DynamoDB; the version is checked by a condition expression, in one
    transaction with the claim of its service (or its release) where a write makes one."""

    def get(self, org: OrgId, experiment_id: str) -> Experiment | None:
        item = self._get(org, f"CHAOS#{experiment_id}")
        return _experiment(item) if item else None

    def save(self, experiment: Experiment) -> Experiment:
        claims = experiment.version == 0 and bool(experiment.service_key) and not experiment.over
        releases = experiment.over and bool(experiment.service_key)
        if not claims and not releases:
            return self._put(experiment)
        saved = experiment.model_copy(update={"version": experiment.version + 1})
        record = items.item(
            f"ORG#{saved.org}",
            f"CHAOS#{saved.id}",
            saved,
            version=saved.version,
            team=saved.team,
            ended=saved.over,
        )
        put = {"TableName": self._table, "Item": record, **items.expecting(experiment.version)}
        org, key = experiment.org, experiment.service_key
        change = (
            self._claims.claim(org, key, experiment.id)
            if claims
            else self._claims.release(org, key, experiment.id)
        )
        if written_with(self._client, put, change, f"experiment {saved.id}"):
            return saved
        if claims:
            raise self._taken(experiment)
        return self._put(experiment)  # its claim released before (it ended once already)

    def _put(self, experiment: Experiment) -> Experiment:
        """The experiment's record alone, as its next version."""
        return self._save_next(
            experiment,
            experiment.version,
            experiment.org,
            f"CHAOS#{experiment.id}",
            f"experiment {experiment.id}",
            team=experiment.team,
            ended=experiment.over,
        )

    @property
    def _claims(self) -> Claims:
        return Claims(self._table, prefix="CHAOSON", attribute="experiment")

    def _taken(self, experiment: Experiment) -> ConflictError:
        """Why its claim failed: the experiment holding the service (gone since: try again)."""
        found = self._claims.holder(self._client, experiment.org, experiment.service_key)
        holder = self.get(OrgId(experiment.org), found) if found else None
        if holder is None:
            return ConflictError(
                f"another experiment on {experiment.service} ended as this one started: start "
                "it again"
            )
        return ServiceTakenError(holder)

    def halt_record(self, org: OrgId) -> LeverState:
        item = self._get(org, "CHAOSHALT")
        return LeverState.model_validate(items.body(item)) if item else LeverState(engaged=False)

    def keep_halt_record(self, org: OrgId, state: LeverState) -> None:
        record = items.item(f"ORG#{org}", "CHAOSHALT", state)
        self._client.put_item(TableName=self._table, Item=record)

    def list_for(self, org: OrgId, team: str) -> Sequence[Experiment]:
        found = [x for x in map(_experiment, self._query(org, "CHAOS#")) if x.team == team]
        return sorted(found, key=lambda x: x.started_at, reverse=True)

    def every(self) -> Sequence[Experiment]:
        return [_experiment(item) for item in self._scan("CHAOS#", unless="ended")]

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
        sk, what = f"CHAOSDAY#{game_day.id}", f"game day {game_day.id}"
        return self._save_next(game_day, game_day.version, game_day.org, sk, what)

    def game_days(self, org: OrgId, team: str) -> Sequence[GameDay]:
        found = [GameDay.model_validate(items.body(item)) for item in self._query(org, "CHAOSDAY#")]
        return sorted(
            (g for g in found if g.team == team), key=lambda g: g.created_at, reverse=True
        )

    def every_game_day(self) -> Sequence[GameDay]:
        return [GameDay.model_validate(items.body(item)) for item in self._scan("CHAOSDAY#")]

    def remove_game_day(self, org: OrgId, game_day_id: str) -> bool:
        gone = self._client.delete_item(
            TableName=self._table,
            Key={"pk": {"S": f"ORG#{org}"}, "sk": {"S": f"CHAOSDAY#{game_day_id}"}},
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in gone
