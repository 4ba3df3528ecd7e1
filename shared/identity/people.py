"""Who a command may give a role to: a person, as their platform names people."""

from __future__ import annotations

import re

from shared.identity.models import Platform

_SLACK_GROUP = re.compile(r"S[A-Z0-9]{2,}")
"""A Slack user group's id (`S0614TZR7`): a mention of `@oncall` arrives as `<!subteam^S…>`,
read as `@S…`. Slack's people are `U…` or `W…`."""
_TEAMS_CHANNEL_ID = "29:"
"""A person's id on the Bot Connector (`29:…`, one per bot): a mention carries it, but a person
writing is known by their Azure AD object id, so a role given to it would apply to no one."""


def not_a_person(user: str, platform: Platform) -> str | None:
    """Why `user` names no one a role can be given to on `platform`, or None if it may be a
    person. A role stored for a group would match nobody: no one signs in as a group."""
    if platform is Platform.SLACK and _SLACK_GROUP.fullmatch(user):
        return (
            f"@{user} is a Slack user group, not a person: roles are given to people, one at a "
            "time. Add each member of the group by their own @mention."
        )
    if platform is Platform.TEAMS and user.startswith(_TEAMS_CHANNEL_ID):
        return (
            f"@{user} could not be looked up in this conversation, and Teams knows people by "
            "their Azure AD object id: mention them again from a channel they are in, or give "
            "their object id (Azure portal, Users, Object ID)."
        )
    return None
