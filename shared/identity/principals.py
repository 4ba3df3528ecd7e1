"""Who is asking: the roles the directory (and the configured first org admins) grant an actor."""

from __future__ import annotations

from collections.abc import Iterable

from shared.identity.admins import ConfiguredAdmin
from shared.identity.models import Actor, OrgRole, Principal
from shared.identity.ports import Directory


def is_configured_admin(actor: Actor, configured: Iterable[ConfiguredAdmin]) -> bool:
    """Whether `actor` is one of the configured org admins (org, platform included, and user)."""
    return any(admin.is_actor(actor) for admin in configured)


def principal_for(
    actor: Actor, *, directory: Directory, configured_admins: Iterable[ConfiguredAdmin]
) -> Principal:
    """The principal for `actor`: org-wide grants, configured admins and a role per team."""
    org = directory.get_org(actor.org)
    org_roles = set(org.grants.get(actor.user, frozenset())) if org else set()
    if is_configured_admin(actor, configured_admins):
        org_roles.add(OrgRole.ORG_ADMIN)
    team_roles = {
        team.name: team.members[actor.user]
        for team in directory.list_teams(actor.org)
        if actor.user in team.members
    }
    return Principal(actor=actor, org_roles=frozenset(org_roles), team_roles=team_roles)
