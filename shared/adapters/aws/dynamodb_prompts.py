"""Prompt variants and feedback in the app's DynamoDB table: `ORG#<org>` /
`PROMPT#<name>#<version, zero-padded>` items, and `PROMPTFB#<investigation>#<user>` beside them;
each is written once, by a condition that it does not exist yet; experiments are
`PROMPTX#<id>` items, each write conditional on the version read, and the live one of a scope
is named by a `PROMPTSCOPE#<scope>` item, put (only if absent) or deleted (only if it names the
experiment) in one transaction with the experiment's write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.adapters.aws import dynamodb_items as items
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.prompts.experiments import Experiment
from shared.prompts.models import Feedback, Variant


def _variant_key(variant: Variant) -> str:
    return f"PROMPT#{variant.name}#{variant.version:06d}"


class DynamoDbVariantStore(items.DynamoDbOrgStore):
    """The VariantStore port on DynamoDB."""

    def add(self, variant: Variant) -> None:
        found = items.item(f"ORG#{variant.org}", _variant_key(variant), variant)
        try:
            self._client.put_item(
                TableName=self._table, Item=found, ConditionExpression="attribute_not_exists(pk)"
            )
        except self._client.exceptions.ConditionalCheckFailedException as error:
            raise ConflictError(f"{variant.name} v{variant.version} exists already") from error

    def retire(self, variant: Variant) -> None:
        found = items.item(f"ORG#{variant.org}", _variant_key(variant), variant)
        self._client.put_item(TableName=self._table, Item=found)

    def list_for(self, org: OrgId) -> Sequence[Variant]:
        found = [Variant.model_validate(items.body(i)) for i in self._query(org, "PROMPT#")]
        return sorted(found, key=lambda v: (v.name, v.version))


class DynamoDbFeedbackStore(items.DynamoDbOrgStore):
    """The FeedbackStore port on DynamoDB: one item per person per investigation."""

    def add(self, feedback: Feedback) -> Feedback | None:
        sk = f"PROMPTFB#{feedback.investigation_id}#{feedback.by}"
        found = items.item(f"ORG#{feedback.org}", sk, feedback)
        try:
            self._client.put_item(
                TableName=self._table, Item=found, ConditionExpression="attribute_not_exists(pk)"
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            earlier = self._get(feedback.org, sk)
            return Feedback.model_validate(items.body(earlier)) if earlier else None
        return None

    def for_investigation(self, org: OrgId, investigation_id: str) -> Sequence[Feedback]:
        found = self._query(org, f"PROMPTFB#{investigation_id}#")
        return sorted((Feedback.model_validate(items.body(i)) for i in found), key=_at)

    def list_for(self, org: OrgId) -> Sequence[Feedback]:
        found = self._query(org, "PROMPTFB#")
        return sorted((Feedback.model_validate(items.body(i)) for i in found), key=_at)


def _at(feedback: Feedback) -> str:
    return feedback.at.isoformat()


class DynamoDbExperimentStore(items.DynamoDbOrgStore):
    """The ExperimentStore port on DynamoDB."""

    def save(self, experiment: Experiment) -> Experiment:
        sk, what = f"PROMPTX#{experiment.id}", f"prompt experiment {experiment.id}"
        claim = self._claim(experiment)
        if claim is None:
            return self._save_next(experiment, experiment.version, experiment.org, sk, what)
        saved = experiment.model_copy(update={"version": experiment.version + 1})
        found = items.item(f"ORG#{saved.org}", sk, saved, version=saved.version)
        put = {"TableName": self._table, "Item": found, **items.expecting(experiment.version)}
        transaction: Any = [{"Put": put}, claim]
        try:
            self._client.transact_write_items(TransactItems=transaction)
        except self._client.exceptions.TransactionCanceledException as error:
            raise ConflictError(
                f"{what} changed since it was read, or another runs already ({saved.scope})"
            ) from error
        return saved

    def _claim(self, experiment: Experiment) -> Any:
        """The write of the scope's item that goes with this save: a new live experiment's
        claim (only if none holds the scope), an ended holder's release, or None."""
        key = {"pk": {"S": f"ORG#{experiment.org}"}, "sk": {"S": f"PROMPTSCOPE#{experiment.scope}"}}
        mine = {":holder": {"S": experiment.id}}
        if experiment.live:  # claimed by its first save; later ones leave the claim as it is
            if experiment.version:
                return None
            item = {**key, "holder": mine[":holder"]}
            return {"Put": {"TableName": self._table, "Item": item, **items.expecting(0)}}
        held = self._get(experiment.org, key["sk"]["S"])
        if held is None or held["holder"] != mine[":holder"]:
            return None
        condition = {"ConditionExpression": "holder = :holder", "ExpressionAttributeValues": mine}
        return {"Delete": {"TableName": self._table, "Key": key, **condition}}

    def get(self, org: OrgId, experiment_id: str) -> Experiment | None:
        found = self._get(org, f"PROMPTX#{experiment_id}")
        return Experiment.model_validate(items.body(found)) if found else None

    def list_for(self, org: OrgId) -> Sequence[Experiment]:
        found = [Experiment.model_validate(items.body(i)) for i in self._query(org, "PROMPTX#")]
        return sorted(found, key=lambda x: x.started_at, reverse=True)
