"""The Directory port on one DynamoDB table (pk/sk single-table design, conditional writes).

Items: `ORG#<org>` / `ORG` (grants), `ORG#<org>` / `TEAM#<name>` (a team with its members),
`ORG#<org>` / `CHANNEL#<id>` (a binding), `ORG#<org>` / `AUDITHEAD#<team>` (the longest head seen of
an audit stream). Every org-scoped read is one Query on its partition. The deployment's own:
`RESOURCE#<resource key>` / `HOLDER` (the org holding a cloud resource), `RESOURCE#` / `RECORDED`
(the services registered before claims existed were claimed).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from shared.adapters.aws import dynamodb_items as items
from shared.audit.models import HeadMark
from shared.errors import ConflictError, NotFoundError
from shared.identity.models import ChannelBinding, ChannelId, Org, OrgId, Team


def _pk(org: str) -> str:
    return f"ORG#{org}"


CLAIM_TRIES = 3
"""Puts a claim tries while the claim it found is deleted between the put and the read (the
operator handing the resource over)."""
_RECORDED = ""
"""The key of the item saying the services registered before claims existed were claimed."""


def _holder_key(resource: str) -> dict[str, Any]:
    if not resource:
        return {"pk": {"S": "RESOURCE#"}, "sk": {"S": "RECORDED"}}
    return {"pk": {"S": f"RESOURCE#{resource}"}, "sk": {"S": "HOLDER"}}


class DynamoDbDirectory(items.DynamoDbOrgStore):
    """Orgs, teams and bindings in the app's table; versions checked by condition expressions."""

    def get_org(self, org: OrgId) -> Org | None:
        item = self._get(org, "ORG")
        return Org.model_validate(items.body(item)) if item else None

    def save_org(self, org: Org) -> Org:
        return self._save_next(org, org.version, org.id, "ORG", f"org {org.id}")

    def get_team(self, org: OrgId, name: str) -> Team | None:
        item = self._get(org, f"TEAM#{name}")
        return Team.model_validate(items.body(item)) if item else None

    def list_teams(self, org: OrgId) -> Sequence[Team]:
        return [Team.model_validate(items.body(item)) for item in self._query(org, "TEAM#")]

    def save_team(self, team: Team) -> Team:
        sk = f"TEAM#{team.name}"
        return self._save_next(team, team.version, team.org, sk, f"team {team.name}")

    def get_binding(self, org: OrgId, channel: ChannelId) -> ChannelBinding | None:
        item = self._get(org, f"CHANNEL#{channel}")
        return ChannelBinding.model_validate(items.body(item)) if item else None

    def list_bindings(self, org: OrgId) -> Sequence[ChannelBinding]:
        return [
            ChannelBinding.model_validate(items.body(item)) for item in self._query(org, "CHANNEL#")
        ]

    def bind(self, binding: ChannelBinding) -> None:
        item = items.item(
            _pk(binding.org), f"CHANNEL#{binding.channel}", binding, team=binding.team
        )
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR team = :team",
                ExpressionAttributeValues={":team": {"S": binding.team}},
            )
        except self._client.exceptions.ConditionalCheckFailedException as error:
            stored = self.get_binding(binding.org, binding.channel)
            other = stored.team if stored else "another team"
            raise ConflictError(
                f"#{binding.channel} is bound to team {other}; unbind it there first.",
                channels=[binding.channel],
            ) from error

    def unbind(self, org: OrgId, channel: ChannelId) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"pk": {"S": _pk(org)}, "sk": {"S": f"CHANNEL#{channel}"}},
                ConditionExpression="attribute_exists(pk)",
            )
        except self._client.exceptions.ConditionalCheckFailedException as error:
            raise NotFoundError(
                f"#{channel} is not bound to a team.", channels=[channel]
            ) from error

    def resource_holder(self, resource: str) -> OrgId | None:
        found = self._client.get_item(
            TableName=self._table, ConsistentRead=True, Key=_holder_key(resource)
        ).get("Item")
        return OrgId(found["org"]["S"]) if found else None

    def claim_resource(self, resource: str, org: OrgId) -> OrgId:
        for _ in range(CLAIM_TRIES):
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item={**_holder_key(resource), "org": {"S": org}},
                    ConditionExpression="attribute_not_exists(pk)",
                )
            except self._client.exceptions.ConditionalCheckFailedException:
                holder = self.resource_holder(resource)
                if holder is not None:
                    return holder
                continue  # deleted between the put and the read: try to claim it again
            return org
        raise ConflictError(f"`{resource}` changed hands while it was claimed: try again")

    def claims_recorded(self) -> bool:
        return self.resource_holder(_RECORDED) is not None

    def mark_claims_recorded(self) -> None:
        self.claim_resource(_RECORDED, OrgId(""))

    def every_team(self) -> Iterator[Team]:
        return (Team.model_validate(items.body(item)) for item in self._scan("TEAM#"))

    def mark_head(self, mark: HeadMark) -> None:
        item = items.item(_pk(mark.org), f"AUDITHEAD#{mark.team}", mark, seq=mark.seq)
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR seq < :seq",
                ExpressionAttributeValues={":seq": {"N": str(mark.seq)}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return  # a longer head is already remembered

    def head_marks(self, org: OrgId) -> Sequence[HeadMark]:
        return [
            HeadMark.model_validate(items.body(item)) for item in self._query(org, "AUDITHEAD#")
        ]
