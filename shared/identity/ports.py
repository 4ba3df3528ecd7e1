"""What identity needs from the state store: orgs, teams and channel bindings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shared.identity.models import ChannelBinding, ChannelId, Org, OrgId, Team


class Directory(Protocol):
    """Orgs, teams and channel bindings, with optimistic versions on orgs and teams."""

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
