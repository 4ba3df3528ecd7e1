"""What identity needs from the state store: orgs, teams and channel bindings."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from shared.identity.models import ChannelBinding, ChannelId, Org, OrgId, Team


class ResourceClaims(Protocol):
    """Which org holds each cloud resource the deployment reads (a Lambda function, a load
    balancer, …, by `resource_key`): one org per resource across the deployment, whose orgs all
    share its cloud credentials, so another org's chat can never read or move it."""

    def resource_holder(self, resource: str) -> OrgId | None:
        """The org holding `resource`, or None."""

    def claim_resource(self, resource: str, org: OrgId) -> OrgId:
        """Claim `resource` for `org` unless another org holds it (atomically): the holder. A
        claim is never released by the product (the deployment's operator hands a resource over
        by deleting it in the state store)."""

    def claims_recorded(self) -> bool:
        """Whether the services registered before claims existed have been claimed."""

    def mark_claims_recorded(self) -> None:
        """Note that they have."""

    def every_team(self) -> Iterator[Team]:
        """Every team of every org (read once, to claim what was registered before claims)."""


class Directory(ResourceClaims, Protocol):
    """Orgs, teams and channel bindings, with optimistic versions on orgs and teams; and which
    org holds each cloud resource."""

    def get_org(self, org: OrgId) -> Org | None:
        """The org and its grants, or None if nothing was ever stored for it."""

    def save_org(self, org: Org) -> Org:
        """Store `org` if its stored version is still `org.version`; return it one version on."""

    def get_team(self, org: OrgId, name: str) -> Team | None:
        """One team, or None."""

    def list_teams(self, org: OrgId) -> Sequence[Team]:
        """Every team of the org, by name."""

    def save_team(self, team: Team) -> Team:
        """Store `team` if its stored version is `team.version` (0: new); else ConflictError."""

    def get_binding(self, org: OrgId, channel: ChannelId) -> ChannelBinding | None:
        """The team a channel is bound to, or None."""

    def list_bindings(self, org: OrgId) -> Sequence[ChannelBinding]:
        """Every binding of the org."""

    def bind(self, binding: ChannelBinding) -> None:
        """Bind a channel; ConflictError if it is bound to another team."""

    def unbind(self, org: OrgId, channel: ChannelId) -> None:
        """Remove a channel's binding; NotFoundError if it has none."""
