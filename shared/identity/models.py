"""Orgs, teams, members, roles and the principal a command runs as."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, NewType

from pydantic import AfterValidator, Field

from shared.records import Frozen
from shared.telemetry.models import Service

OrgId = NewType("OrgId", str)
"""An org, keyed with its platform: `slack:T…` (or `slack:E…` for an Enterprise Grid org),
`teams:<tenant id>`, or `local`; so no org of one platform can equal another's."""

UserId = NewType("UserId", str)
"""A user's id on the org's platform (Slack `U…`, a Teams AAD object id, a local login)."""

ChannelId = NewType("ChannelId", str)

_TEAM_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?\Z")


def _team_name(value: str) -> str:
    if not _TEAM_NAME.match(value):
        raise ValueError(
            f"`{value}` is not a valid name: lowercase letters, digits and `-`, 1 to 40 "
            "characters, starting and ending with a letter or digit, e.g. `payments`"
        )
    return value


TeamName = Annotated[str, AfterValidator(_team_name)]
"""A team's slug: lower case letters, digits and dashes."""


class Platform(StrEnum):
    """Where an invocation came from."""

    SLACK = "slack"
    TEAMS = "teams"
    LOCAL = "local"
    SCHEDULER = "scheduler"
    """Scheduled triggers: never set from a chat payload, only by the scheduler's handler."""


LOCAL_ORG = OrgId("local")
"""The terminal's org."""


def org_id(platform: Platform, native: str) -> OrgId:
    """The org id of a Slack workspace or Teams tenant as its platform names it (`T0123` ->
    `slack:T0123`); ValueError if the platform named none."""
    if platform not in (Platform.SLACK, Platform.TEAMS):
        raise ValueError(f"{platform.value} has no orgs of its own")
    if not native or not native.strip():
        raise ValueError(f"the {platform.value} payload names no workspace or tenant")
    return OrgId(f"{platform.value}:{native}")


class Role(StrEnum):
    """A person's role in one team; each includes the ones before it."""

    VIEWER = "viewer"
    RESPONDER = "responder"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Position in the order viewer < responder < operator < admin."""
        return list(Role).index(self)


class OrgRole(StrEnum):
    """An org-wide role."""

    ORG_ADMIN = "org-admin"
    AUDITOR = "auditor"


class Uninstall(Frozen):
    """The app removed from an org: when, and what the platform told (`app uninstall`, `app bot
    token revoke`). The scheduler does nothing more for the org until it is installed again."""

    at: datetime
    told: str


class OrgChannel(Frozen):
    """The org's own channel: where every team's monthly usage summary is posted (`sre org
    bind`)."""

    channel: ChannelId
    bound_by: UserId
    bound_at: datetime
    conversation: dict[str, object] | None = None
    """How to post into it when its id alone is not enough (a Teams conversation reference)."""


class Org(Frozen):
    """An org and its org-wide role grants."""

    id: OrgId
    grants: dict[UserId, frozenset[OrgRole]] = Field(default_factory=dict)
    version: int = 0
    model_allowed: bool = False
    """Whether an org admin let investigation data be sent to the configured language model
    (`sre org model on`); off until one does."""
    uninstalled: Uninstall | None = None
    """Set when the app was uninstalled from the org (its records and trail kept); cleared by a
    new install."""
    channel: OrgChannel | None = None
    """The org's channel, bound by an org admin (`sre org bind`); None until one is."""


class Team(Frozen):
    """A team of an org, with its members' roles."""

    org: OrgId
    name: TeamName
    description: str = ""
    created_at: datetime
    created_by: UserId
    members: dict[UserId, Role] = Field(default_factory=dict)
    services: dict[str, Service] = Field(default_factory=dict)
    """The services the team owns, by name (each belongs to exactly one team)."""
    version: int = 0


class ChannelBinding(Frozen):
    """A channel whose commands act for one team unless `--team` says otherwise."""

    org: OrgId
    channel: ChannelId
    team: TeamName
    bound_by: UserId
    bound_at: datetime
    conversation: dict[str, object] | None = None
    """How to post into the channel when its id alone is not enough (a Teams conversation
    reference, saved when the channel is bound from inside it)."""


class Actor(Frozen):
    """Who typed the command, as their platform names them."""

    platform: Platform
    org: OrgId
    user: UserId
    name: str = ""


class Principal(Frozen):
    """An actor with the roles the directory grants them."""

    actor: Actor
    org_roles: frozenset[OrgRole] = frozenset()
    team_roles: dict[str, Role] = Field(default_factory=dict)

    def role_in(self, team: str) -> Role | None:
        """The actor's role in `team`, if any."""
        return self.team_roles.get(team)
