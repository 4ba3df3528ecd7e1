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


def not_a_person(user: str, platform: Platform, caller: str = "") -> str | None:
    """Why `user` names no one a role can be given to on `platform`, or None if it may be a
    person. A role stored for a group would match nobody: no one signs in as a group; nor one
    stored for a plain name (`bob`) where the platform knows people by ids, as it knows `caller`
    (a Slack member id, an Entra object id): nobody writes as `bob` there."""
    unlike = _unlike_the_caller(user, platform, caller)
    if unlike:
        return unlike
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


_SLACK_PERSON = re.compile(r"[UW][A-Z0-9]{2,}")
_ENTRA_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def _unlike_the_caller(user: str, platform: Platform, caller: str) -> str | None:
    """Why `user` cannot be a person of the caller's workspace: the caller is known by an id of
    the platform's form and `user` is not one (plain text typed where a mention was meant)."""
    slack_name = _SLACK_PERSON.fullmatch(user) or _SLACK_GROUP.fullmatch(user)
    if platform is Platform.SLACK and _SLACK_PERSON.fullmatch(caller) and not slack_name:
        return (
            f"`{user}` is not a Slack member: type @ and pick the person from the list, so "
            "Slack sends who they are (a role given to a name would apply to no one)."
        )
    teams_id = _ENTRA_ID.fullmatch(user) or user.startswith(_TEAMS_CHANNEL_ID)
    if platform is Platform.TEAMS and _ENTRA_ID.fullmatch(caller) and not teams_id:
        return (
            f"`{user}` is not a Teams person: @mention them, so Teams sends who they are, or "
            "give their Entra object id (a role given to a name would apply to no one)."
        )
    return None
