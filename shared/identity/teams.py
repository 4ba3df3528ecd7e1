"""A team looked up by the name a person typed: the team, or a refusal that suggests the one they
probably meant, among the teams they may see (a typo must not reveal other teams' names)."""

from __future__ import annotations

from shared.errors import NotFoundError, did_you_mean
from shared.identity.models import Principal, Team
from shared.identity.ports import Directory
from shared.identity.rbac import ORG_ROLES_HOLDING, Permission


def visible_teams(directory: Directory, principal: Principal) -> list[str]:
    """The names of the teams `principal` may see: every team for org-wide readers, else theirs."""
    if principal.org_roles & ORG_ROLES_HOLDING[Permission.TEAM_READ]:
        return [team.name for team in directory.list_teams(principal.actor.org)]
    return sorted(principal.team_roles)


def team_named(principal: Principal, name: str) -> str:
    """`team payments` to whom may see it (an org-wide reader, a member), else `another team`:
    a refusal tells no outsider which team holds a channel."""
    if principal.org_roles & ORG_ROLES_HOLDING[Permission.TEAM_READ] or principal.role_in(name):
        return f"team {name}"
    return "another team"


def unknown_team(directory: Directory, principal: Principal, name: str) -> NotFoundError:
    """The refusal for a team that does not exist, with the closest team the caller may see."""
    hint = did_you_mean(name, visible_teams(directory, principal))
    return NotFoundError(f"There is no team `{name}`.{hint or ' `sre team list` shows yours.'}")


def known_team(directory: Directory, principal: Principal, name: str) -> Team:
    """The team named `name` in the caller's org; NotFoundError (with a suggestion) if none."""
    team = directory.get_team(principal.actor.org, name)
    if team is None:
        raise unknown_team(directory, principal, name)
    return team


def teams_own(name: str) -> str:
    """`team payments'`, `team search's`: a team as the owner of something in a reply."""
    return f"team {name}'" if name.endswith("s") else f"team {name}'s"
